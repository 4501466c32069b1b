"""The records table's parameter columns: which parameters a project has, which of them the
table shows (`?columns=seed,n`), and the records in the order of one of them
(`?sort=parameter:seed`, `-parameter:seed` for descending).

Everything here reads the typed parameter index (records.models.RecordParameter), never a
record's document.

A parameter sort puts the values of each kind together, always in this order, and reverses
only the order within a kind: numbers, then strings (by code point), then booleans (false
first), then other values (null, lists, objects, by their JSON text), then records without the
parameter. Ties are broken by record id, so that pages never overlap. Strings are compared by
their first SORT_PREFIX characters, which the index holds.
"""

from urllib.parse import quote, unquote

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    TextField,
)
from django.db.models.functions import Collate

from reprostore.lib.parameters import Kind
from reprostore.records.models import SORT_INDEX_KINDS, SORT_PREFIX, RecordParameter
from reprostore.web.project_cache import kept_until_next_write

PREFIX = "parameter:"
# Parameters Sumatra adds itself (`smt run --label=parameters`): hidden unless chosen.
BOOKKEEPING = frozenset({"sumatra_label"})
# Without `?columns=`, the table shows at most this many parameters, so that it fits a screen.
SHOWN_BY_DEFAULT = 10
KIND_ORDER = (Kind.NUMBER, Kind.STRING, Kind.BOOLEAN, Kind.OTHER)


def project_parameter_names(project) -> list[str]:
    """The names of the project's parameters, sorted by code point: one DISTINCT over the index,
    kept until the project's next write (it reads every parameter row of the project)."""

    def names():
        rows = RecordParameter.objects.filter(record__project=project)
        return sorted(rows.values_list("name", flat=True).order_by().distinct())

    return kept_until_next_write(project, "parameter-names", names)


def shown_columns(value: str | None, names: list[str]) -> list[str]:
    """The parameters to show as columns: those named in `?columns=` (comma-separated, in its
    order) that the project has; without it, the project's own parameters, not Sumatra's."""
    if value is None:
        return [name for name in names if name not in BOOKKEEPING][:SHOWN_BY_DEFAULT]
    known = set(names)
    return list(dict.fromkeys(name for name in value.split(",") if name in known))


def one_columns_value(request) -> str | None:
    """Where to send the column chooser's answer: the same URL with its `columns` values (one per
    ticked box, and an empty one so that ticking none still says so) joined into one
    comma-separated value, as every link on the page keeps it. None when already so."""
    values = request.GET.getlist("columns")
    if len(values) < 2:
        return None
    joined = ",".join(value for value in values if value)
    pairs = [
        pair
        for pair in request.META.get("QUERY_STRING", "").split("&")
        if pair and unquote(pair.partition("=")[0]) != "columns"
    ]
    pairs.append("columns=" + quote(joined, safe=",:"))
    return f"{request.path}?{'&'.join(pairs)}"


def sorted_parameter(key: str, names: list[str]) -> str | None:
    """The parameter a `?sort=` value names, if the project has it."""
    column = key.lstrip("-")
    if not column.startswith(PREFIX):
        return None
    name = column[len(PREFIX) :]
    return name if name in names else None


# SQLite uses an index on an expression, or a partial index, only for the same SQL: with the
# index's constants written in, not passed as parameters (as Django would pass them).
def text_prefix():
    """The first SORT_PREFIX characters of the value's text, as the sort index holds them."""
    return Func(
        F("value__text"),
        template=f"SUBSTR(%(expressions)s, 1, {int(SORT_PREFIX)})",
        output_field=TextField(),
    )


def of_kind(kind: str):
    """The condition that the value is of `kind`, with the sort index's own condition
    (records/models.py), for the database to see that it may use it. The equality comes first:
    SQLite takes the first test of `kind` it meets to look the index up, and with the IN it
    would sort the rows instead of reading them in the index's order."""
    kinds = ", ".join(f"'{each}'" for each in SORT_INDEX_KINDS)  # Kind's values: plain words
    return Func(
        F("value__kind"),
        template=f"%(expressions)s = '{kind}' AND %(expressions)s IN ({kinds})",
        output_field=BooleanField(),
    )


def byte_order(expression):
    # By code point, as Python orders text. SQLite compares so already (a COLLATE there would
    # hide the index); PostgreSQL's sort index holds the text with this collation (migration
    # 0006), so the order matches the index's.
    return Collate(expression, "C") if connection.vendor == "postgresql" else expression


class ByParameter:
    """`records` in the order of the parameter `name`, for a Paginator: it counts them and
    slices them, and a slice reads only the ids it needs from the sort index (one kind of value
    at a time, walking the index in order), then those rows.

    `rows` turns a queryset of records into the one the table reads (only its columns).
    """

    def __init__(self, records, name: str, descending: bool, rows):
        self.records = records.order_by()
        self.name = name
        self.descending = descending
        self.rows = rows

    def count(self) -> int:
        return self.records.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list:
        start, stop = window.start or 0, window.stop
        ids = []
        for part in self.parts():
            if stop <= start:
                break
            found = list(part[start:stop])
            ids += found
            if found:
                start, stop = 0, stop - start - len(found)
            elif start:  # the window starts after this part: how far after?
                size = part.count()
                start, stop = start - size, stop - size
        by_id = self.rows(self.records.model.objects.filter(pk__in=ids)).in_bulk()
        return [by_id[pk] for pk in ids if pk in by_id]

    def parts(self):
        """Querysets of record ids, one per kind of value and then those without the parameter,
        each in its order: the table's order is theirs one after the other."""
        for kind in KIND_ORDER:
            yield self.with_kind(kind)
        missing = RecordParameter.objects.filter(record=OuterRef("pk"), name=self.name)
        yield self.ids(self.records.filter(~Exists(missing)), [F("id")])

    def with_kind(self, kind: str):
        value = FilteredRelation("parameter_rows", condition=Q(parameter_rows__name=self.name))
        rows = self.records.annotate(value=value).filter(of_kind(kind))
        # The index's own column order, so that the database walks it instead of sorting;
        # number and boolean are null for strings (and text for numbers), so this is the order
        # of the kind's value.
        order = [F("value__number"), F("value__boolean"), byte_order(text_prefix())]
        return self.ids(rows, [*order, F("value__record")])

    def ids(self, rows, order: list):
        order = [field.desc() if self.descending else field.asc() for field in order]
        return rows.order_by(*order).values_list("id", flat=True)
