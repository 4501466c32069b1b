"""Records side by side: one row per field, parameter, dependency or data file, marking the
rows whose values differ between the records."""

import json
from dataclasses import dataclass

from reprostore.web.record_display import data_keys, objects_in, parameters_of

MIN_RECORDS, MAX_RECORDS = 2, 8
MISSING = None  # a value a record does not have, shown as "absent"


@dataclass
class Row:
    name: str
    values: list

    @property
    def differs(self) -> bool:
        return len({json.dumps(value, sort_keys=True, default=str) for value in self.values}) > 1


@dataclass
class Section:
    title: str
    rows: list[Row]

    @property
    def differences(self) -> int:
        return sum(row.differs for row in self.rows)


def text(value):
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def field_rows(documents: list[dict], fields: list[tuple[str, callable]]) -> list[Row]:
    return [Row(name, [text(get(document)) for document in documents]) for name, get in fields]


def keyed_rows(per_record: list[dict]) -> list[Row]:
    """Rows for things known by name (parameters, dependencies, files): one per name in any
    record, absent where a record lacks it."""
    names = sorted(set().union(*(values.keys() for values in per_record)))
    return [Row(name, [text(values.get(name, MISSING)) for values in per_record]) for name in names]


def executable(document: dict) -> str | None:
    value = document.get("executable")
    if not isinstance(value, dict):
        return None
    return " ".join(str(value.get(key) or "") for key in ("name", "version")).strip() or None


def repository(document: dict) -> str | None:
    value = document.get("repository")
    return value.get("url") if isinstance(value, dict) else None


def diff_summary(document: dict) -> str:
    diff = document.get("diff") or ""
    return f"{len(diff.splitlines())} changed lines" if diff else "none"


def platform(document: dict) -> dict:
    """The first platform's fields (a record from one machine has exactly one)."""
    platforms = objects_in(document.get("platforms"))
    return {key: str(value) for key, value in platforms[0].items()} if platforms else {}


def dependency_versions(document: dict) -> dict:
    return {
        str(dep.get("name")): dep.get("version") for dep in objects_in(document.get("dependencies"))
    }


def data_digests(document: dict, key: str) -> dict:
    """Digests by path. Sumatra writes each run's output under a directory named after its
    label, so that part is written `<label>` to line up the same file of different runs."""
    own_directory = f"{document.get('label')}/"
    digests = {}
    for item in data_keys(document.get(key)):
        path = item["path"]
        if path.startswith(own_directory):
            path = "<label>/" + path[len(own_directory) :]
        digests[path] = item["digest"] or "(not recorded)"
    return digests


RUN_FIELDS = [
    ("Timestamp", lambda d: d.get("timestamp")),
    ("Duration (s)", lambda d: d.get("duration")),
    ("Outcome", lambda d: d.get("outcome")),
    ("Reason", lambda d: d.get("reason")),
    ("Tags", lambda d: ", ".join(d.get("tags") or []) or None),
    ("User", lambda d: d.get("user")),
]
CODE_FIELDS = [
    ("Main file", lambda d: d.get("main_file")),
    ("Script arguments", lambda d: d.get("script_arguments")),
    ("Version", lambda d: d.get("version")),
    ("Uncommitted changes", diff_summary),
    ("Executable", executable),
    ("Repository", repository),
    ("Parameter format", lambda d: (d.get("parameters") or {}).get("type")),
]


def compare(documents: list[dict]) -> list[Section]:
    """The comparison of record documents, in the order given."""
    return [
        Section("Run", field_rows(documents, RUN_FIELDS)),
        Section("Parameters", keyed_rows([dict(parameters_of(d)) for d in documents])),
        Section("Code and versions", field_rows(documents, CODE_FIELDS)),
        Section("Dependencies", keyed_rows([dependency_versions(d) for d in documents])),
        Section("Platform", keyed_rows([platform(d) for d in documents])),
        Section("Input data", keyed_rows([data_digests(d, "input_data") for d in documents])),
        Section("Output data", keyed_rows([data_digests(d, "output_data") for d in documents])),
    ]


def only_differences(sections: list[Section]) -> list[Section]:
    return [
        Section(section.title, [row for row in section.rows if row.differs]) for section in sections
    ]
