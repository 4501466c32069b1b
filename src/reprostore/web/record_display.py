"""What the record pages show: the project table's rows, and a record document laid out."""

import json
from urllib.parse import quote

from django.db.models import Count, F, prefetch_related_objects
from django.urls import reverse

from reprostore.lib.parameters import Kind
from reprostore.records.documents import parameter_values
from reprostore.records.listing import path_part
from reprostore.records.models import RecordTag, Revision
from reprostore.records.status import STATUS_OF_TAG, Status, status_of, tags_of_status
from reprostore.web import paging, parameter_columns
from reprostore.web.formatting import duration, show_value
from reprostore.web.project_cache import kept_until_next_write

# The columns the project table sorts by, as `?sort=` names them (`-` first for descending);
# `parameter:<name>` sorts by a parameter (web/parameter_columns.py).
SORTS = ("timestamp", "label", "duration", "reason", "outcome", "main_file", "version", "user")
NULLABLE = {"duration"}
DEFAULT_SORT = "-timestamp"
# The table never reads `body`: a record's document carries its whole captured output and diff.
TABLE_COLUMNS = ("id", "project_id", "final", *SORTS)
PARAMETER_TEXT_SHOWN = 24
# A record's card on a phone shows its first few parameter columns, not all.
PARAMETERS_ON_PHONES = 4
# The fixed columns that sort, with their headings (the template writes them out in order).
COLUMN_HEADINGS = [
    ("label", "Label"),
    ("timestamp", "Timestamp"),
    ("reason", "Reason"),
    ("outcome", "Outcome"),
    ("duration", "Duration"),
    ("main_file", "Main file"),
    ("version", "Version"),
]
# A record's status at a glance: a shape and a word, and a colour (style.css) that only repeats
# them. The shapes are the plots' (web/plots.py), so that one legend reads both.
STATUS_MARKS = {
    Status.FINISHED: "●",
    Status.FAILED: "✕",
    Status.RUNNING: "▲",
    Status.KILLED: "■",
    Status.UNKNOWN: "◆",
}
FILTERED_STATUSES = (Status.FINISHED, Status.FAILED, Status.RUNNING, Status.KILLED)
IGNORED_DIGEST = "0" * 40
# Fields the record page lays out itself; anything else in a document is listed as it is.
KNOWN_FIELDS = {
    "label", "timestamp", "reason", "duration", "executable", "repository", "main_file",
    "version", "parameters", "input_data", "script_arguments", "launch_mode", "datastore",
    "input_datastore", "outcome", "stdout_stderr", "output_data", "tags", "diff", "user",
    "dependencies", "platforms", "repeats", "project_id",
}  # fmt: skip
REVISIONS_SHOWN = 100


def records_table(request, project, records, tags: list[dict]) -> dict:
    """The records table of a project page: `records` filtered by `?status=`, sorted by
    `?sort=` and paged, with the parameter columns `?columns=` chooses; `tags` are the
    project's tag counts, which give the status counts."""
    names = parameter_columns.project_parameter_names(project)
    shown = parameter_columns.shown_columns(request.GET.get("columns"), names)
    statuses = chosen_statuses(request.GET.get("status"))
    sort = sort_key(request.GET.get("sort"), names)
    page = paging.page_of(request, table_order(with_status(records, statuses), sort, names))
    project_url = reverse("records:project", args=[project.name])
    return {
        "page": page,
        "rows": table_rows(page.object_list, project_url, shown),
        "sort": sort,
        "parameter_names": names,
        "parameter_columns": [(parameter_columns.PREFIX + name, name) for name in shown],
        "shown_parameters": shown,
        "phone_parameters": PARAMETERS_ON_PHONES,
        "default_page_size": paging.DEFAULT_PAGE_SIZE,
        "columns_chosen": "columns" in request.GET,
        "statuses": status_filter(tags, statuses),
        "chosen_statuses": [status.value for status in statuses],
        "sort_choices": sort_choices(names),
    }


def sort_choices(parameters: list[str]) -> list[tuple[str, str]]:
    """Every sort as (key, words), for the chooser's list (phones show no column headings)."""
    columns = [*COLUMN_HEADINGS, *((parameter_columns.PREFIX + name, name) for name in parameters)]
    choices = []
    for key, title in columns:
        choices += [(key, f"{title}, ascending"), (f"-{key}", f"{title}, descending")]
    return choices


def sort_key(text: str | None, parameters: list[str] = ()) -> str:
    """The `?sort=` value if it names a column or one of `parameters`, else the default (newest
    first)."""
    text = text or DEFAULT_SORT
    if text.lstrip("-") in SORTS or parameter_columns.sorted_parameter(text, parameters):
        return text
    return DEFAULT_SORT


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


def table_order(records, key: str, parameters: list[str]):
    """The table's rows of `records` in the order of a sort key, for the pager to slice."""
    parameter = parameter_columns.sorted_parameter(key, parameters)
    if parameter is not None:
        descending = key.startswith("-")
        return parameter_columns.ByParameter(records, parameter, descending, table_records)
    return table_records(sorted_records(records, key))


def table_rows(records: list, project_url: str, parameters: list[str] = ()) -> list[dict]:
    """The rows of one page of the table, ready to print, with the values of `parameters`.

    Built here rather than in the template: a template tag per cell costs more than the
    database does for a page of 50 rows from 100,000.
    """
    prefetch_related_objects(records, "tag_rows", "parameter_rows")
    return [table_row(record, project_url, parameters) for record in records]


def table_row(record, project_url: str, parameters: list[str]) -> dict:
    tags = [tag.name for tag in record.tag_rows.all()]
    values = {parameter.name: parameter for parameter in record.parameter_rows.all()}
    return {
        "label": record.label,
        "url": f"{project_url}{path_part(record.label)}/",
        "status": status_mark(status_of(tags)),
        "iso_time": record.timestamp.isoformat(),
        "time": record.timestamp.strftime("%Y-%m-%d %H:%M:%S"),
        "reason": truncated(record.reason),
        "outcome": truncated(record.outcome),
        "duration": duration(record.duration),
        "main_file": record.main_file,
        "version": record.version[:10],
        # The status tag is the status column's: the tags column keeps the person's own.
        "tags": [
            (tag, f"{project_url}?tags={quote(tag)}") for tag in tags if tag not in STATUS_OF_TAG
        ],
        "parameters": [parameter_cell(name, values.get(name)) for name in parameters],
    }


def parameter_cell(name: str, parameter) -> dict:
    if parameter is None:
        return {"name": name, "text": "", "full": "", "number": False}
    text = show_value(parameter.value)
    return {
        "name": name,
        "text": truncated(text, PARAMETER_TEXT_SHOWN),
        "full": text if len(text) > PARAMETER_TEXT_SHOWN else "",
        "number": parameter.kind == Kind.NUMBER,
    }


def status_mark(status: Status) -> dict:
    return {"key": status.value, "word": status.label.lower(), "mark": STATUS_MARKS[status]}


def truncated(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def chosen_statuses(value: str | None) -> list[Status]:
    """The statuses `?status=` names (comma-separated), of those the table filters by."""
    names = set((value or "").split(","))
    return [status for status in FILTERED_STATUSES if status.value in names]


def with_status(records, statuses: list[Status]):
    """The records whose status tag gives one of `statuses`: all of them when there is none.

    An IN over the tag name index rather than an EXISTS per record: SQLite then reads the
    (few) tagged ids once instead of probing every record for a rare status.
    """
    if not statuses:
        return records
    tags = [tag for status in statuses for tag in tags_of_status(status)]
    return records.filter(pk__in=RecordTag.objects.filter(name__in=tags).values("record_id"))


def status_filter(tags: list[dict], chosen: list[Status]) -> list[dict]:
    """The status filter's choices, with how many records of the project have each (from the
    tag counts): those that some record has, and those chosen."""
    counts = dict.fromkeys(FILTERED_STATUSES, 0)
    for tag in tags:
        status = STATUS_OF_TAG.get(tag["name"])
        if status in counts:
            counts[status] += tag["count"]
    return [
        {**status_mark(status), "count": count, "chosen": status in chosen}
        for status, count in counts.items()
        if count or status in chosen
    ]


def project_tags(project) -> list[dict]:
    """The tags used in a project, with how many records carry each, for the tag filter.

    Counting them reads every tag of the project (0.2 s for 100,000 records), so the answer is
    kept until the project's next write (web/project_cache.py).
    """

    def counts():
        return list(
            RecordTag.objects.filter(record__project=project)
            .values("name")
            .annotate(count=Count("id"))
            .order_by("name")
        )

    return kept_until_next_write(project, "tags", counts)


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
