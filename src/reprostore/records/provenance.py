"""Sumatra records as W3C PROV (see lib/provenance.py for the formats and identifiers).

A record is a run (an activity, from its timestamp for its duration) that used a code version
(repository, version and a digest of the diff: the plan the user followed), a parameter set and
its input files, and generated its output files and the record itself; its `user` is the agent.
Records are linked as the lineage queries link them (records/lineage.py): when a record read a
file with the digest of a file another record of the project wrote, its input was derived from
that output and its run was informed by the other run.

Identifiers live under the records' URLs, `<records>/<project>/<label>/`: the record is that
URL, its run `…/#run`, its code `…/#code`, its files `…/#input/<path>` and `…/#output/<path>`.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from prov.model import ProvDocument

from reprostore.lib.http import HttpError
from reprostore.lib.provenance import (
    PERSON,
    PLAN,
    attributes,
    digest_of_text,
    file_path,
    new_document,
    segment,
    term,
)
from reprostore.records.documents import db_text, load_stored, parse_timestamp
from reprostore.records.models import Project, Record, RecordData

# The digest index is asked about this many digests at a time (SQLite's parameter limit).
BATCH = 500
LISTING_CHUNK = 500


@dataclass(frozen=True)
class RecordIds:
    """The PROV identifiers of one record's parts, in the `records` namespace."""

    project: str
    label: str

    @property
    def record(self) -> str:
        return f"records:{segment(self.project)}/{segment(self.label)}/"

    def part(self, fragment: str) -> str:
        return f"{self.record}#{fragment}"

    @property
    def run(self) -> str:
        return self.part("run")

    def data(self, role: str, path: str) -> str:
        return self.part(f"{role}/{file_path(path)}")


def user_id(user: str) -> str:
    return f"records:#user/{segment(user)}"


@dataclass(frozen=True)
class DataFile:
    """One entry of a record's `input_data` or `output_data`."""

    path: str
    digest: str  # empty for inputs listed as bare paths (Sumatra before 0.4)
    size: int | None = None
    created: datetime.datetime | None = None


@dataclass
class Run:
    """What other records' links need of a record added to a document."""

    ids: RecordIds
    inputs: list[tuple[DataFile, str]]
    outputs: list[tuple[DataFile, str]]


def record_document(project: Project, record: Record, records_url: str) -> ProvDocument:
    """The record's provenance, with the records of the project that made its inputs and those
    that read its outputs (one step each way)."""
    document = new_document(records=records_url)
    run = add_record(document, project.name, record.label, load_stored(record.body))
    add_neighbours(document, project, record, run)
    return document


def project_document(project: Project, records_url: str, records=None) -> ProvDocument:
    """The records of the project (`records`, a queryset of them, or all) and the links between
    them."""
    document = new_document(records=records_url)
    records = Record.objects.filter(project=project) if records is None else records
    runs = [
        add_record(document, project.name, label, load_stored(body))
        for label, body in records.order_by("timestamp", "id")
        .values_list("label", "body")
        .iterator(chunk_size=LISTING_CHUNK)
    ]
    link_runs(document, runs)
    return document


def add_record(document: ProvDocument, project: str, label: str, record: dict) -> Run:
    ids = RecordIds(project, label)
    run, end = add_run(document, ids, record)
    entity = document.entity(ids.record, record_attributes(record, project, label))
    document.wasGeneratedBy(entity, run, end)
    code = document.entity(ids.part("code"), code_attributes(record))
    document.used(run, code)
    if (record.get("parameters") or {}).get("content"):
        document.used(run, document.entity(ids.part("parameters"), parameter_attributes(record)))
    user = record.get("user")
    if isinstance(user, str) and user:
        agent = document.agent(user_id(user), {"prov:type": PERSON, "prov:label": user})
        document.wasAssociatedWith(run, agent, code)
        document.wasAttributedTo(entity, agent)
    inputs = add_files(document, ids, "input", data_files(record, "input_data"))
    for _, input_id in inputs:
        document.used(run, input_id)
    outputs = add_files(document, ids, "output", data_files(record, "output_data"))
    for data, output_id in outputs:
        document.wasGeneratedBy(output_id, run, data.created)
    return Run(ids, inputs, outputs)


def add_run(document: ProvDocument, ids: RecordIds, record: dict):
    """The run, from the record's timestamp for its duration (no end while it has none)."""
    start = parse_timestamp(record["timestamp"])
    duration = record.get("duration")
    has_duration = isinstance(duration, int | float) and not isinstance(duration, bool)
    end = start + datetime.timedelta(seconds=duration) if has_duration else None
    return document.activity(ids.run, start, end, run_attributes(record, ids.label)), end


def run_attributes(record: dict, label: str) -> list:
    return attributes(
        [
            ("prov:type", term("SumatraRun")),
            ("prov:label", f"run {label}"),
            (term("mainFile"), text(record.get("main_file"))),
            (term("scriptArguments"), text(record.get("script_arguments"))),
        ]
    )


def record_attributes(record: dict, project: str, label: str) -> list:
    tags = [tag for tag in record.get("tags") or () if isinstance(tag, str)]
    return attributes(
        [
            ("prov:type", term("SumatraRecord")),
            ("prov:label", label),
            (term("project"), project),
            (term("reason"), text(record.get("reason"))),
            (term("outcome"), text(record.get("outcome"))),
            *((term("tag"), tag) for tag in tags),
        ]
    )


def code_attributes(record: dict) -> list:
    repository = record.get("repository") or {}
    executable = record.get("executable") or {}
    program = " ".join(
        part for part in (text(executable.get("name")), text(executable.get("version"))) if part
    )
    diff = text(record.get("diff"))
    return attributes(
        [
            ("prov:type", PLAN),
            ("prov:type", term("CodeVersion")),
            ("prov:label", f"{text(record.get('main_file')) or 'code'} at {record['version']}"),
            (term("repository"), text(repository.get("url"))),
            (term("repositoryType"), text(repository.get("type"))),
            (term("version"), text(record.get("version"))),
            (term("mainFile"), text(record.get("main_file"))),
            (term("diffDigest"), digest_of_text(diff) if diff else None),
            (term("executable"), program),
        ]
    )


def parameter_attributes(record: dict) -> list:
    parameters = record["parameters"]
    return attributes(
        [
            ("prov:type", term("ParameterSet")),
            ("prov:label", "parameters"),
            (term("format"), text(parameters.get("type"))),
            ("prov:value", parameters.get("content")),
        ]
    )


def data_files(record: dict, key: str) -> list[DataFile]:
    files = []
    for item in record.get(key) or ():
        if isinstance(item, str):
            files.append(DataFile(item, ""))
        elif isinstance(item, dict) and isinstance(item.get("path"), str):
            metadata = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
            size = metadata.get("size")
            files.append(
                DataFile(
                    item["path"],
                    text(item.get("digest")),
                    size if isinstance(size, int) and not isinstance(size, bool) else None,
                    creation_time(item.get("creation")),
                )
            )
    return files


def creation_time(value) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value)
    except HttpError:  # kept before creation times were checked
        return None


def add_files(document, ids: RecordIds, role: str, files: list[DataFile]) -> list:
    """An entity per file; a path listed twice gets `~2`, `~3`… so that each stays one entity."""
    added, seen = [], defaultdict(int)
    for data in files:
        identifier = ids.data(role, data.path)
        seen[identifier] += 1
        if seen[identifier] > 1:
            identifier += f"~{seen[identifier]}"
        document.entity(identifier, file_attributes(data))
        added.append((data, identifier))
    return added


def file_attributes(data: DataFile) -> list:
    return attributes(
        [
            ("prov:type", term("File")),
            ("prov:label", data.path),
            (term("path"), data.path),
            (term("digest"), data.digest),
            (term("size"), data.size),
        ]
    )


def text(value) -> str:
    return value if isinstance(value, str) else ""


# Links between records


def link_runs(document, runs: list[Run]) -> None:
    """The links between records that are all in `document`."""
    written = defaultdict(list)
    for run in runs:
        for data, output_id in run.outputs:
            if data.digest:
                written[data.digest].append((run, output_id))
    informed = set()
    for reader in runs:
        for data, input_id in reader.inputs:
            for writer, output_id in written.get(data.digest, ()) if data.digest else ():
                if writer is reader:
                    continue
                document.wasDerivedFrom(input_id, output_id)
                if (reader.ids, writer.ids) not in informed:
                    informed.add((reader.ids, writer.ids))
                    document.wasInformedBy(reader.ids.run, writer.ids.run)


def add_neighbours(document, project: Project, record: Record, run: Run) -> None:
    """The records that wrote what `run` read and those that read what it wrote, each with the
    one file that links them, from the digest index (RecordData)."""
    read, written = by_digest(run.inputs), by_digest(run.outputs)
    declared = set()
    for label, path, digest in other_data(project, record, RecordData.Role.OUTPUT, read):
        writer = RecordIds(project.name, label)
        output_id = declare_other(document, declared, writer, "output", path, digest)
        document.wasGeneratedBy(output_id, writer.run)
        for input_id in read[digest]:
            document.wasDerivedFrom(input_id, output_id)
        if ("informed by", writer) not in declared:
            declared.add(("informed by", writer))
            document.wasInformedBy(run.ids.run, writer.run)
    for label, path, digest in other_data(project, record, RecordData.Role.INPUT, written):
        reader = RecordIds(project.name, label)
        input_id = declare_other(document, declared, reader, "input", path, digest)
        document.used(reader.run, input_id)
        for output_id in written[digest]:
            document.wasDerivedFrom(input_id, output_id)
        if ("informs", reader) not in declared:
            declared.add(("informs", reader))
            document.wasInformedBy(reader.run, run.ids.run)


def by_digest(files: list[tuple[DataFile, str]]) -> dict[str, list[str]]:
    """{digest as the index holds it: [entity id]} of the files that have a digest."""
    found = defaultdict(list)
    for data, identifier in files:
        if data.digest:
            found[db_text(data.digest)].append(identifier)
    return found


def other_data(project, record, role, digests) -> list[tuple[str, str, str]]:
    """(label, path, digest) of the files of other records of `project` in `role` with one of
    `digests`, in a stable order."""
    wanted = sorted(digests)
    rows = RecordData.objects.filter(record__project=project, role=role).exclude(record=record)
    found = set()
    for start in range(0, len(wanted), BATCH):
        batch = rows.filter(digest__in=wanted[start : start + BATCH])
        found |= set(batch.values_list("record__label", "path", "digest"))
    return sorted(found)


def declare_other(document, declared: set, ids: RecordIds, role: str, path: str, digest) -> str:
    """Another record's run and one of its files, as far as a link needs them, once each."""
    identifier = ids.data(role, path)
    if ids.run not in declared:
        declared.add(ids.run)
        document.activity(ids.run, other_attributes={"prov:label": f"run {ids.label}"})
    if identifier not in declared:
        declared.add(identifier)
        document.entity(identifier, file_attributes(DataFile(path, digest)))
    return identifier
