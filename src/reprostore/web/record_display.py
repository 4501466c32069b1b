"""What the record pages show: the project table's rows, and a record document laid out."""

import json
from urllib.parse import quote

from django.core.cache import cache
from django.db.models import Count, F, prefetch_related_objects

from reprostore.records.documents import parameter_values
from reprostore.records.listing import path_part
from reprostore.records.models import RecordTag, Revision
from reprostore.web.formatting import duration, show_value

# The columns the project table sorts by, as `?sort=` names them (`-` first for descending).
SORTS = ("timestamp", "label", "duration", "reason", "outcome", "main_file", "version", "user")
NULLABLE = {"duration"}
DEFAULT_SORT = "-timestamp"
# The table never reads `body`: a record's document carries its whole captured output and diff.
TABLE_COLUMNS = ("id", "project_id", "final", *SORTS)
PARAMETERS_IN_TABLE = 6
IGNORED_DIGEST = "0" * 40
# Fields the record page lays out itself; anything else in a document is listed as it is.
KNOWN_FIELDS = {
    "label", "timestamp", "reason", "duration", "executable", "repository", "main_file",
    "version", "parameters", "input_data", "script_arguments", "launch_mode", "datastore",
    "input_datastore", "outcome", "stdout_stderr", "output_data", "tags", "diff", "user",
    "dependencies", "platforms", "repeats", "project_id",
}  # fmt: skip
REVISIONS_SHOWN = 100
TAGS_KEPT_SECONDS = 3600


def sort_key(text: str | None) -> str:
    """The `?sort=` value if it names a column, else the default (newest first)."""
    text = text or DEFAULT_SORT
    return text if text.lstrip("-") in SORTS else DEFAULT_SORT


def sorted_records(records, key: str):
    """`records` ordered by a sort key; ties broken by id so that pages never overlap.

    Only a nullable column gets NULLS LAST: on PostgreSQL that clause on `timestamp` would stop
    the (project, -timestamp, -id) index from serving the first page.
    """
    column = key.lstrip("-")
    descending = key.startswith("-")
    if column in NULLABLE:
        order = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    else:
        order = F(column).desc() if descending else F(column).asc()
    return records.order_by(order, "-id" if descending else "id")


def table_records(records):
    return records.only(*TABLE_COLUMNS)


def table_rows(records: list, project_url: str) -> list[dict]:
    """The rows of one page of the table, ready to print.

    Built here rather than in the template: a template tag per cell costs more than the
    database does for a page of 50 rows from 100,000.
    """
    prefetch_related_objects(records, "tag_rows", "parameter_rows")
    return [
        {
            "label": record.label,
            "url": f"{project_url}{path_part(record.label)}/",
            "iso_time": record.timestamp.isoformat(),
            "time": record.timestamp.strftime("%Y-%m-%d %H:%M:%S"),
            "reason": truncated(record.reason),
            "outcome": truncated(record.outcome),
            "duration": duration(record.duration),
            "main_file": record.main_file,
            "version": record.version[:10],
            "tags": [
                (tag.name, f"{project_url}?tags={quote(tag.name)}") for tag in record.tag_rows.all()
            ],
            "parameters": [
                f"{parameter.name}={truncated(show_value(parameter.value), 24)}"
                for parameter in list(record.parameter_rows.all())[:PARAMETERS_IN_TABLE]
            ],
        }
        for record in records
    ]


def truncated(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def project_tags(project) -> list[dict]:
    """The tags used in a project, with how many records carry each, for the tag filter.

    Counting them reads every tag of the project (0.2 s for 100,000 records), so the answer is
    kept until the project's next write: every accepted PUT or DELETE adds a Revision, and the
    newest revision's id is one index lookup.
    """
    newest = (
        Revision.objects.filter(project=project).order_by("-id").values_list("id", flat=True)[:1]
    )
    key = f"web:tags:{project.pk}:{next(iter(newest), 0)}"
    tags = cache.get(key)
    if tags is None:
        tags = list(
            RecordTag.objects.filter(record__project=project)
            .values("name")
            .annotate(count=Count("id"))
            .order_by("name")
        )
        cache.set(key, tags, TAGS_KEPT_SECONDS)
    return tags


def parameters_of(document: dict) -> list[tuple[str, object]]:
    """(name, value) of a record's parameters, where their format can be read."""
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        return []
    return sorted(parameter_values(parameters).items())


def data_keys(items) -> list[dict]:
    """Input or output data keys with their metadata spread out for a table."""
    keys = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        metadata = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
        digest = item.get("digest") or ""
        keys.append(
            {
                "path": item.get("path", ""),
                "digest": "" if digest == IGNORED_DIGEST else digest,
                "size": metadata.get("size"),
                "mimetype": metadata.get("mimetype"),
                "creation": item.get("creation"),
            }
        )
    return keys


def objects_in(items) -> list[dict]:
    """A document's list of objects (dependencies, platforms), ignoring anything malformed."""
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def component(document: dict, key: str) -> dict | None:
    """A launch mode or datastore: its type and parameters."""
    value = document.get(key)
    if not isinstance(value, dict):
        return None
    parameters = value.get("parameters")
    return {
        "type": value.get("type", ""),
        "parameters": sorted(parameters.items()) if isinstance(parameters, dict) else [],
    }


def record_view(document: dict) -> dict:
    """A record document arranged for its page."""
    return {
        "parameters": parameters_of(document),
        "input_data": data_keys(document.get("input_data")),
        "output_data": data_keys(document.get("output_data")),
        "dependencies": objects_in(document.get("dependencies")),
        "platforms": objects_in(document.get("platforms")),
        "launch_mode": component(document, "launch_mode"),
        "datastore": component(document, "datastore"),
        "input_datastore": component(document, "input_datastore"),
        "other_fields": sorted(
            (key, value) for key, value in document.items() if key not in KNOWN_FIELDS
        ),
    }


def revision_history(record) -> list[dict]:
    """The record's accepted writes, oldest first, each with the fields it changed."""
    revisions = list(
        Revision.objects.filter(project_id=record.project_id, label=record.label)
        .select_related("user")
        .order_by("-created", "-id")[:REVISIONS_SHOWN]
    )
    revisions.reverse()
    history, previous = [], None
    for revision in revisions:
        document = loads_or_none(revision.body)
        history.append({"revision": revision, "changed": changed_fields(previous, document)})
        previous = document if document is not None else previous
    return history


def loads_or_none(body: str):
    try:
        document = json.loads(body) if body else None
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def changed_fields(before: dict | None, after: dict | None) -> list[str]:
    if before is None or after is None:
        return []
    keys = before.keys() | after.keys()
    return sorted(key for key in keys if before.get(key) != after.get(key))
