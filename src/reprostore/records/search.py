"""Queries over Sumatra records: the outpack language with the lookups a record has.

- `id` and `label`: the record's label, a string.
- `name` and `main_file`: the script that was run; `reason`, `outcome`, `version`, `user`: those
  fields. All strings, "" when the client sent none.
- `timestamp`: when the record was made, in seconds since 1970 UTC, a number, as `time.start` is
  in outpack metadata. A number takes all six operators (`timestamp >= 1714978800`); a date
  string would take only `==`, since strings are never ordered. It is compared exactly, to the
  microsecond the database keeps.
- `tag`: each tag of the record. A test holds if it holds for *some* tag, so `tag == "x"` is
  "has the tag x", `tag != "x"` is "has a tag other than x" and `tag < "x"` never holds. A
  record without tags is like a packet without the parameter: no test holds, `!=` included.
  "Lacks the tag x" is `!(tag == "x")`, as "lacks the parameter" is for packets.
- `parameter:x`: the top-level parameter x, where the record's parameter format is structured
  (JSON, YAML, dict, NT, Simple), typed as for packets (bool is not a number; null, lists and
  objects are absent).

`latest(x)` is the record in x with the greatest timestamp, then the greatest label: the most
recent run, as `smt list` sorts, because labels need not be time stamps. `single(x)` fails with
`Query found N records, but expected exactly one`.

orderly's extension works on records too (dialect "records-orderly"): `usedby(x, depth)` is the
records whose output files record x read, and theirs, to `depth` levels; `uses(x, depth)` the
records that read x's output files, and so on (a file is known by its digest; records/lineage.py).
`x` must select one record: `latest(...)`, `single(...)`, an `id`/`label` test or a label string.
"""

from django.db.models import F
from django.db.models.functions import Collate

from reprostore.query.evaluate import (
    Column,
    Rows,
    Table,
    Timestamp,
    parse_search,
    parse_subqueries,
    select,
)
from reprostore.records.lineage import RECORD_EDGES
from reprostore.records.models import RecordParameter, RecordTag

# The records' lookups with orderly's extension; "records" is without the extension.
DIALECT = "records-orderly"

BYTE_ORDER = {"postgresql": "C", "sqlite": "BINARY"}


def newest_record_order(connection):
    # Labels are free text: order them by code point, as Python does, not by locale.
    label = Collate(F("label"), BYTE_ORDER[connection.vendor])
    return [F("timestamp").desc(), label.desc()]


RECORDS = Table(
    noun="record",
    id_column="label",
    name_column="main_file",
    parameters=(RecordParameter, "record"),
    fields={
        "label": Column("label"),
        "main_file": Column("main_file"),
        "reason": Column("reason"),
        "outcome": Column("outcome"),
        "version": Column("version"),
        "user": Column("user"),
        "timestamp": Timestamp("timestamp"),
        "tag": Rows(RecordTag, "record", kind_column=None, value_column="name"),
    },
    latest_order=newest_record_order,
    lineage=RECORD_EDGES,
)


def select_records(records, text, *, this=None, subqueries=None, dialect=DIALECT):
    """The records of the queryset `records` that the query `text` selects, in its order.

    `records` should be one project's: lineage follows only the records in it.
    `subqueries` are orderly's named subqueries, {name: query text}, for `{name}`.
    Raises ValueError (a ParseError or EvaluationError) with a message for the person asking.
    """
    node = parse_search(text, dialect)
    named = parse_subqueries(subqueries, dialect)
    return select(records, RECORDS, node, this=this, subqueries=named)
