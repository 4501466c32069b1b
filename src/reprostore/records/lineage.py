"""Record lineage: a record that read a file with the digest of a file another record of the same
project wrote *used* that record. The digests are indexed in RecordData rows (kept by
`data_insert` whenever a record is saved); the query language's `usedby(...)` and `uses(...)`
(records/search.py) and `lineage_edges` below follow them with one recursive query.
"""

from django.db import connections

from reprostore.query.lineage import Edges, compiled, walk_edges
from reprostore.records.models import Record, RecordData

ROLES = {"input_data": RecordData.Role.INPUT, "output_data": RecordData.Role.OUTPUT}

_data = RecordData._meta.db_table
_record = Record._meta.db_table
# Self-joins of the digest index; both records in one project, a record never its own source.
RECORD_EDGES = Edges(
    "SELECT i.record_id AS user_key, o.record_id AS used_key"
    f" FROM {_data} i JOIN {_data} o ON o.digest = i.digest AND o.role = 'output'"
    f" JOIN {_record} ri ON ri.id = i.record_id"
    f" JOIN {_record} ro ON ro.id = o.record_id AND ro.project_id = ri.project_id"
    " WHERE i.role = 'input' AND o.record_id <> i.record_id"
)


def data_rows(document: dict) -> list[tuple[str, str, str]]:
    """(role, path, digest) of each file a record document read or wrote that has a digest.

    Sumatra before 0.4 listed inputs as bare paths, without digests: they can't be matched.
    """
    rows = []
    for key, role in ROLES.items():
        for item in document.get(key) or ():
            if isinstance(item, dict) and isinstance(item.get("digest"), str) and item["digest"]:
                path = item.get("path") if isinstance(item.get("path"), str) else ""
                # PostgreSQL text cannot hold NUL; the document itself keeps it.
                rows.append(
                    (role, path.replace("\x00", "\ufffd"), item["digest"].replace("\x00", "\ufffd"))
                )
    return rows


def data_insert(record: Record, document: dict):
    """The rows of the digests of `document` for `record`, for `lib.rows.insert_many`."""
    rows = [(record.pk, role.value, path, digest) for role, path, digest in data_rows(document)]
    return RecordData, ("record", "role", "path", "digest"), rows


def lineage_edges(
    project, start_labels: list[str], *, up: int | None, down: int | None, limit: int = 200
) -> tuple[list[tuple[str, str]], bool]:
    """The lineage edges around the records `start_labels` of `project` (a Project), as
    (user_label, used_label) pairs, and whether the list was cut at `limit` edges.

    (A, B) means record A read a file (`input_data`) with the digest of a file record B wrote
    (`output_data`): B produced what A used. Only records of `project` take part.

    - `up`: how many levels of "uses" to follow: 1 gives the edges from each start record to the
      records that produced its inputs, 2 also those records' own sources, and so on.
    - `down`: how many levels of "used by" to follow: 1 gives the edges from the records that
      read a start record's outputs to it, 2 also the records reading theirs, and so on.
    - 0 follows nothing in that direction; None follows it to the end (cycles are safe: two
      records can each have read what the other wrote).

    Labels that name no record of the project are ignored. An edge found in both directions is
    listed once. Edges come nearest first (fewest steps from a start record), then by the
    records' primary keys; with more than `limit` edges the farthest are left out and the flag
    is True.
    """
    records = Record.objects.filter(project=project)
    connection = connections[records.db]
    pairs, truncated = walk_edges(
        connection,
        RECORD_EDGES,
        compiled(records.filter(label__in=list(start_labels)), connection),
        compiled(records, connection),
        up=up,
        down=down,
        limit=limit,
    )
    labels = dict(
        records.filter(pk__in={key for pair in pairs for key in pair}).values_list("pk", "label")
    )
    return [(labels[user], labels[used]) for user, used in pairs], truncated
