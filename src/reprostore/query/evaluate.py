"""Evaluate a parsed query as a database query: the rules of spec §5, as Django Q objects.

A query node becomes a condition on the rows of a *universe* queryset (every indexed packet, or a
project's records): True (all of them), False (none) or a Q. A comparison of a parameter is an
`Exists()` over the typed parameter rows, `!` is `NOT`, `&&` and `||` are `AND` and `OR`, so one
SQL statement selects the result on SQLite and PostgreSQL alike. Only `latest(...)` and
`single(...)` run a query of their own while the condition is built: `single` must count its
matches to fail as the reference does, and fixing `latest` to one id keeps nested calls from
nesting subqueries (SQLite's parser gives up after a few dozen levels). For the same reason a
condition nested deeper than MAX_SQL_DEPTH is run on its own and replaced by its ids; only
machine-made queries get there.

The same code serves packets and records; a `Table` says where a table keeps the id, the name,
the parameters, any other lookups and its lineage (see `packets/search.py` and
`records/search.py`).

orderly's extension (the "orderly" dialects): `usedby(x, depth)` and `uses(x, depth)` become
`pk IN (WITH RECURSIVE ...)` over the table's lineage edges (query/lineage.py), seeded with the
SQL of `x`; `{x}` is `x` evaluated without `this:` values, and `{name}` the subquery of that name
passed to `select`.
"""

import json
import math
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Exists, Expression, F, FloatField, Func, OuterRef, Q
from django.db.models.expressions import RawSQL

from reprostore.lib.parameters import Kind, as_double
from reprostore.query import lineage
from reprostore.query.ast import (
    BooleanExpr,
    BooleanOperator,
    Brackets,
    Latest,
    Literal,
    LookupEnvironment,
    LookupField,
    LookupId,
    LookupName,
    LookupParameter,
    LookupThis,
    NamedSubquery,
    Negation,
    Single,
    Subquery,
    Test,
    TestOperator,
    UsedBy,
    Uses,
)
from reprostore.query.lineage import DOWN, UP, compiled, distances, reached_sql, values_sql
from reprostore.query.parse import NOT_SINGLE, ParseError, is_single_valued, parse, recursion_limit

STRING, NUMBER, BOOLEAN = Kind.STRING.value, Kind.NUMBER.value, Kind.BOOLEAN.value
VALUE_COLUMNS = {STRING: "text", NUMBER: "number", BOOLEAN: "boolean"}

LOOKUPS = {
    TestOperator.Equal: "exact",
    TestOperator.LessThan: "lt",
    TestOperator.LessThanOrEqual: "lte",
    TestOperator.GreaterThan: "gt",
    TestOperator.GreaterThanOrEqual: "gte",
}
# `a < b` is `b > a`: used to put a column on the left, where Django wants it.
MIRRORED = {
    TestOperator.Equal: TestOperator.Equal,
    TestOperator.NotEqual: TestOperator.NotEqual,
    TestOperator.LessThan: TestOperator.GreaterThan,
    TestOperator.LessThanOrEqual: TestOperator.GreaterThanOrEqual,
    TestOperator.GreaterThan: TestOperator.LessThan,
    TestOperator.GreaterThanOrEqual: TestOperator.LessThanOrEqual,
}
PYTHON_ORDER = {
    TestOperator.LessThan: lambda a, b: a < b,
    TestOperator.LessThanOrEqual: lambda a, b: a <= b,
    TestOperator.GreaterThan: lambda a, b: a > b,
    TestOperator.GreaterThanOrEqual: lambda a, b: a >= b,
}

# How deeply the SQL of a condition may nest before it is run on its own (see `flattened`), and
# how deeply a comparison nests: plain, with one Exists(), with an Exists() in an Exists().
MAX_SQL_DEPTH = 12
TEST_DEPTH = (1, 3, 5)
# Python frames used per level of a query while its condition is built, with room to spare.
FRAMES_PER_LEVEL = 12

THIS_UNSUPPORTED = "this parameters are not supported in this context"
ENVIRONMENT_UNSUPPORTED = "environment lookup is not supported in this context"


# Real queries are a line or two (deep test queries a few 10,000 characters); a parse of deeply
# nested invalid text takes about a second per 5,000 levels, so a search box or URL parameter
# must not be able to ask for far more.
MAX_QUERY_LENGTH = 50_000


def parse_search(text: str, dialect: str = "outpack"):
    """Parse a query that came from a user, refusing ones too long to be real."""
    if len(text) > MAX_QUERY_LENGTH:
        raise ValueError(
            f"The query is {len(text):,} characters long; at most {MAX_QUERY_LENGTH:,} are allowed"
        )
    return parse(text, dialect=dialect)


def parse_subqueries(texts, dialect: str):
    """orderly's named subqueries, {name: query text} in the order given, parsed: {name: AST}.

    A subquery may use (as `{name}`) only those given before it, so none can refer to itself.
    """
    if texts is None:
        return {}
    if not isinstance(texts, dict):
        raise TypeError(f"Subqueries must be a dict of name to query, not {type(texts).__name__}")
    parsed = {}
    for name, text in texts.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise ValueError(f"Subquery {name!r}: a name and a query must both be strings")
        try:
            parsed[name] = parse_search(text, dialect)
        except ParseError as error:
            raise ParseError(
                f"In subquery '{name}':\n{error}", error.line, error.column, error.reason
            ) from None
    return parsed


class EvaluationError(ValueError):
    """A query that parses but cannot be answered: a failed `single`, an unsupported lookup."""


# ---- What a table offers to queries --------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A text column of the row itself: always present, always a string."""

    name: str


@dataclass(frozen=True)
class Timestamp:
    """A datetime column, seen by queries as a number: seconds since 1970 (UTC)."""

    name: str


@dataclass(frozen=True)
class Rows:
    """Values kept one per row in a related table; a comparison holds if it holds for one row.

    `kind_column` is None for a table of plain strings (tags); otherwise each row has a kind and
    its value in the column `VALUE_COLUMNS[kind]`, and rows of kind "other" (null, lists,
    objects) are absent.
    """

    model: Any
    owner: str
    where: tuple = ()
    kind_column: str | None = "kind"
    value_column: str | None = None

    def items(self):
        """The Items of a row, for conditions on the query that reads these rows."""
        if self.kind_column is None:
            return [Item(STRING, True, Ref(self.value_column, 0))]
        return [
            Item(kind, Q(**{self.kind_column: kind}), Ref(column, 0))
            for kind, column in VALUE_COLUMNS.items()
        ]

    def selection(self):
        """The rows of this operand among its owner's rows."""
        present = (
            {} if self.kind_column is None else {f"{self.kind_column}__in": list(VALUE_COLUMNS)}
        )
        return Q(**dict(self.where), **present)


@dataclass(frozen=True)
class Table:
    """How a universe's rows answer the lookups of the language."""

    noun: str
    id_column: str
    name_column: str
    parameters: Any  # (model, owner): the TypedParameter table and its foreign key
    fields: dict = field(default_factory=dict)  # LookupField name -> Column/Timestamp/Rows
    latest_order: Any = None  # connection -> order_by() arguments, greatest first
    lineage: Any = None  # query.lineage.Edges between the rows' primary keys, if they have any

    def parameter(self, name):
        model, owner = self.parameters
        return Rows(model, owner, where=(("name", name),))

    @property
    def id_fields(self):
        """The LookupField names that are the id under another name (a record's `label`)."""
        return tuple(
            name for name, column in self.fields.items() if column == Column(self.id_column)
        )


# ---- Operands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Constant:
    value: str | bool | float

    @property
    def kind(self):
        if isinstance(self.value, bool):
            return BOOLEAN
        return NUMBER if isinstance(self.value, float) else STRING


@dataclass(frozen=True)
class Absent:
    """A value the rules treat as missing (a `this:` list or object): every comparison fails."""


@dataclass(frozen=True)
class Failing:
    """A lookup that fails as soon as a row is tested (spec §5.5)."""

    message: str


@dataclass(frozen=True)
class Ref:
    """A column `depth` queries out from the one being built (0: its own row)."""

    name: str
    depth: int

    def expression(self):
        if self.depth == 0:
            return F(self.name)
        reference = self.name
        for _ in range(self.depth):
            reference = OuterRef(reference)
        return reference


@dataclass(frozen=True)
class Seconds:
    """A datetime column read as seconds since 1970."""

    column: Ref

    def expression(self):
        return EpochSeconds(self.column.expression())


@dataclass(frozen=True)
class Item:
    """One way an operand can hold a value: its kind, when it holds it, and where it is."""

    kind: str
    when: Any  # True or a condition on the row
    value: Any  # Constant, Ref or Seconds


class EpochSeconds(Func):
    """Seconds since 1970 as a double, microseconds included."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC; strftime('%s') drops the fraction.
        template = (
            "(CAST(strftime('%%%%s', %(expressions)s) AS REAL)"
            " + COALESCE(CAST(substr(%(expressions)s, 21, 6) AS REAL), 0) / 1000000.0)"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


class PkAmong(Expression):
    """`pk` is one of `values`, given as one parameter however many there are: both databases
    cap the parameters of a statement (SQLite at 32766, PostgreSQL at 65535)."""

    output_field = BooleanField()

    def __init__(self, values):
        super().__init__()
        self.values = values
        self.column = F("pk")

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, expressions):
        (self.column,) = expressions

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s)", [*params, list(self.values)]
        return f"{column} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(self.values)]


# ---- Conditions: True, False or a Q ---------------------------------------------------------


def all_of(*conditions):
    return combine(Q.AND, conditions)


def any_of(*conditions):
    return combine(Q.OR, conditions)


def combine(connector, conditions):
    absorbing = connector == Q.OR
    if any(c is absorbing for c in conditions):
        return absorbing
    parts = []
    for condition in conditions:
        if condition is not (not absorbing):
            # A chain of the same connector stays one flat level of SQL.
            parts += condition.children if merges_into(condition, connector) else [condition]
    if absorbing:
        parts = merge_exists(parts)
    if not parts:
        return not absorbing
    return parts[0] if len(parts) == 1 else Q(*parts, _connector=connector)


def as_q(condition):
    return condition if isinstance(condition, Q) else Q(condition)


def negate(condition):
    if isinstance(condition, bool):
        return not condition
    return ~as_q(condition)


def merges_into(condition, connector):
    """Whether combining `condition` with `connector` adds no level of nesting."""
    return (
        isinstance(condition, Q)
        and not condition.negated
        and condition.connector == connector
        and len(condition.children) > 1
    )


# ---- Comparisons (spec §5.3) ----------------------------------------------------------------


def compare(operator, left, right):
    """The condition that some value of `left` and some of `right` pass the test.

    Each side is a list of Items, one per kind it may hold; a row holds exactly one of them.
    """
    if operator is TestOperator.Equal:
        return equal(left, right)
    if operator is TestOperator.NotEqual:
        # Both sides are present here (absent values never reach this), so != is "not ==".
        return negate(equal(left, right))
    # Strings and booleans are never ordered: only numbers take <, <=, >, >=.
    return any_of(
        *(
            all_of(a.when, b.when, relation(operator, a.value, b.value))
            for a in left
            for b in right
            if a.kind == NUMBER and b.kind == NUMBER
        )
    )


def equal(left, right):
    # Values of different kinds are never equal: no coercion, and a bool is not a number.
    return any_of(
        *(
            all_of(a.when, b.when, relation(TestOperator.Equal, a.value, b.value))
            for a in left
            for b in right
            if a.kind == b.kind
        )
    )


def relation(operator, left, right):
    """`left OP right` for two values of the same kind, as a condition on the current row."""
    if isinstance(left, Constant) and isinstance(right, Constant):
        if operator is TestOperator.Equal:
            return left.value == right.value
        return PYTHON_ORDER[operator](left.value, right.value)
    if not is_own_column(left):
        left, right, operator = right, left, MIRRORED[operator]
    if isinstance(left, Seconds):
        if isinstance(right, Constant):
            return seconds_relation(operator, left.column.name, right.value)
        if isinstance(right, Seconds):
            left, right = left.column, right.column
        else:
            left, right, operator = right, left, MIRRORED[operator]
    return Q(**{f"{left.name}__{LOOKUPS[operator]}": operand(right)})


def is_own_column(value):
    if isinstance(value, Seconds):
        value = value.column
    return isinstance(value, Ref) and value.depth == 0


def operand(value):
    if isinstance(value, Constant):
        # The index stores NUL as U+FFFD (PostgreSQL text cannot hold it); literals follow.
        return value.value.replace("\x00", "\ufffd") if value.kind == STRING else value.value
    return value.expression()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)  # a day in, so no time zone can push it out of range
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def seconds_relation(operator, column, seconds):
    """`column OP seconds` compared exactly: the column holds whole microseconds."""
    if math.isinf(seconds):
        above = seconds < 0  # every datetime is above -inf and below +inf
        return {
            TestOperator.Equal: False,
            TestOperator.LessThan: not above,
            TestOperator.LessThanOrEqual: not above,
            TestOperator.GreaterThan: above,
            TestOperator.GreaterThanOrEqual: above,
        }[operator]
    micros = Fraction(seconds) * 1_000_000
    low, high = math.floor(micros), math.ceil(micros)
    if operator is TestOperator.Equal:
        return False if low != high else time_test(column, "exact", low)
    bound = high if operator in (TestOperator.LessThan, TestOperator.GreaterThanOrEqual) else low
    return time_test(column, LOOKUPS[operator], bound)


def time_test(column, lookup, micros):
    moment = micros_to_datetime(micros)
    if moment is not None:
        return Q(**{f"{column}__{lookup}": moment})
    # Beyond what a datetime holds: every stored time is on the same side of it.
    below_all = micros < 0
    return {"exact": False, "lt": not below_all, "lte": not below_all}.get(lookup, below_all)


def micros_to_datetime(micros):
    try:
        moment = EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return None
    return moment if EARLIEST <= moment <= LATEST else None


# ---- The evaluation of one query -----------------------------------------------------------


class Evaluation:
    """One query against one universe; built conditions refer to the universe's rows.

    `subqueries` are orderly's named subqueries, {name: AST}, in the order they were given.
    """

    def __init__(self, universe, table, this=None, subqueries=None):
        self.universe = universe
        self.table = table
        self.this = this
        self.subqueries = subqueries or {}
        self._has_rows = None
        self._named = {}

    def select(self, node):
        """The universe's rows matching `node`, as a queryset in the universe's order."""
        depth = query_depth(node)
        # The limit is process-wide and taken under a lock, so only deep queries raise it.
        deep = recursion_limit(FRAMES_PER_LEVEL * depth) if depth > 50 else nullcontext()
        with deep:
            condition, _ = self.condition(node)
        if condition is True:
            return self.universe.all()
        if condition is False:
            return self.universe.none()
        return self.universe.filter(finished(condition))

    def condition(self, node):
        """(condition, how deeply its SQL nests): the rows of the universe that `node` selects."""
        while isinstance(node, Brackets):
            node = node.inner
        if isinstance(node, Test):
            return self.test(node)
        if isinstance(node, BooleanExpr):
            # Both sides are built, in order, so that an error on either side is raised.
            sides = self.condition(node.lhs), self.condition(node.rhs)
            connector = Q.AND if node.operator is BooleanOperator.And else Q.OR
            depth = 1 + max(d - merges_into(c, connector) for c, d in sides)
            return self.flattened(combine(connector, [c for c, _ in sides]), depth)
        if isinstance(node, Negation):
            inner, depth = self.condition(node.inner)
            # NOT NOT x is x: Django flips the flag of a negated Q back.
            undone = isinstance(inner, Q) and inner.negated
            return self.flattened(negate(inner), depth - 1 if undone else depth + 1)
        if isinstance(node, Latest):
            inner = (True, 0) if node.inner is None else self.condition(node.inner)
            return self.latest(inner[0]), 1
        if isinstance(node, Single):
            return self.single(self.condition(node.inner)[0]), 1
        if isinstance(node, UsedBy | Uses):
            return self.lineage(node)
        if isinstance(node, Subquery):
            # orderly evaluates a subquery without the `this:` values of the query around it.
            return Evaluation(self.universe, self.table, None, self.subqueries).condition(
                node.inner
            )
        if isinstance(node, NamedSubquery):
            return self.named_subquery(node.name)
        raise TypeError(f"Not a query node: {node!r}")

    # -- orderly's extension

    def named_subquery(self, name):
        """(condition, depth) of the subquery `name`, built once per query."""
        if name not in self._named:
            if name not in self.subqueries:
                raise EvaluationError(missing_subquery(name, self.subqueries))
            names = list(self.subqueries)
            earlier = {n: self.subqueries[n] for n in names[: names.index(name)]}
            evaluation = Evaluation(self.universe, self.table, None, earlier)
            self._named[name] = evaluation.condition(self.subqueries[name])
        return self._named[name]

    def lineage(self, node):
        """(condition, depth) for `usedby(...)` or `uses(...)`: the rows 1 to `depth` steps from
        the start along the table's lineage, whose users are in the universe (orderly's rule)."""
        name = "usedby" if isinstance(node, UsedBy) else "uses"
        edges = self.table.lineage
        if edges is None:
            raise EvaluationError(f"{self.table.noun}s have no lineage for {name}() to follow")
        connection = connections[self.universe.db]
        start = node.inner
        if isinstance(start, Literal):
            seed, depth = self.literal_seed(start.value, connection), 0
        else:
            if isinstance(start, NamedSubquery):
                definition = self.subqueries.get(start.name)
                if definition is not None and not is_single_valued(
                    definition, self.table.id_fields
                ):
                    raise EvaluationError(NOT_SINGLE.format(name=name))
            condition, depth = self.condition(start)
            if condition is False:
                return False, 0
            seed = compiled(self.matching(condition), connection)
        # The universe's own rows need no test; otherwise only edges of its rows are followed.
        scope = (
            compiled(self.universe.order_by(), connection) if self.universe.query.where else None
        )
        direction = UP if name == "usedby" else DOWN
        levels = None if math.isinf(node.depth) else math.ceil(node.depth)
        if levels is not None and levels > lineage.FEW_LEVELS:
            # Too far for one query with a depth column (query/lineage.py): found here, in steps.
            found, _ = distances(connection, edges, direction, seed, scope, levels)
            return (PkAmong(list(found)) if found else False), 1
        sql, params = reached_sql(connection, edges, direction, seed, scope, levels)
        return Q(pk__in=RawSQL(sql, params)), depth + 2

    def literal_seed(self, value, connection):
        """(sql, params) of the start keys for a literal id: itself where the id is the primary
        key (so a dependency on a packet the index lacks can be followed down), else the rows
        with that id."""
        value = value.replace("\x00", "\ufffd")
        if self.table.id_column == self.universe.model._meta.pk.name:
            return values_sql(connection, [value])
        rows = self.universe.order_by().filter(**{self.table.id_column: value})
        return compiled(rows, connection)

    def flattened(self, condition, depth):
        """The condition, run now and replaced by its ids if its SQL would nest too deeply.

        SQLite's parser overflows at a few dozen nested brackets, and Django compiles nested
        conditions recursively; only machine-made queries get here.
        """
        if isinstance(condition, bool) or depth <= MAX_SQL_DEPTH:
            return condition, depth
        return PkAmong(list(self.pks(condition))), 1

    def matching(self, condition):
        rows = self.universe.order_by()
        return rows if condition is True else rows.filter(finished(condition))

    def latest(self, condition):
        if condition is False:
            return False
        order = self.table.latest_order(connections[self.universe.db])
        newest = self.matching(condition).order_by(*order).values_list("pk", flat=True)[:1]
        found = list(newest)
        return Q(pk=found[0]) if found else False

    def single(self, condition):
        found = [] if condition is False else list(self.pks(condition)[:2])
        if len(found) == 1:
            return Q(pk=found[0])
        count = 0 if condition is False else self.matching(condition).count()
        raise EvaluationError(f"Query found {count} {self.table.noun}s, but expected exactly one")

    def pks(self, condition):
        return self.matching(condition).values_list("pk", flat=True)

    def has_rows(self):
        if self._has_rows is None:
            self._has_rows = self.universe.exists()
        return self._has_rows

    # -- comparisons

    def test(self, node):
        """(condition, depth) for a comparison."""
        left = self.operand(node.lhs)
        right = self.operand(node.rhs)
        for side in (left, right):
            if isinstance(side, Failing):
                # The reference fails when it tests a row, so an empty universe never fails.
                if self.has_rows():
                    raise EvaluationError(side.message)
                return False, 0
        if isinstance(left, Absent) or isinstance(right, Absent):
            return False, 0
        rows = isinstance(left, Rows) + isinstance(right, Rows)
        return test_condition(node.operator, left, right), TEST_DEPTH[rows]

    def operand(self, value):
        table = self.table
        if isinstance(value, Literal):
            return Constant(value.value)
        if isinstance(value, LookupId):
            return Column(table.id_column)
        if isinstance(value, LookupName):
            return Column(table.name_column)
        if isinstance(value, LookupParameter):
            return table.parameter(value.name)
        if isinstance(value, LookupField):
            if value.name not in table.fields:
                raise EvaluationError(f"'{value.name}' is not a lookup for {table.noun}s")
            return table.fields[value.name]
        if isinstance(value, LookupThis):
            return self.this_value(value.name)
        if isinstance(value, LookupEnvironment):
            return Failing(ENVIRONMENT_UNSUPPORTED)
        raise TypeError(f"Not a test value: {value!r}")

    def this_value(self, name):
        """pyorderly's rule: the value from the `this` dict; a missing or null one fails."""
        if self.this is None:
            return Failing(THIS_UNSUPPORTED)
        value = self.this.get(name)
        if value is None:
            return Failing(f"Parameter `{name}` was not found in current {self.table.noun}")
        if isinstance(value, bool | str):
            return Constant(value)
        if isinstance(value, int | float):
            return Constant(as_double(value))
        return Absent()


def test_condition(operator, left, right):
    """The condition on the universe's rows for `left OP right` (spec §5.3)."""
    if isinstance(right, Rows) and not isinstance(left, Rows):
        left, right, operator = right, left, MIRRORED[operator]
    if not isinstance(left, Rows):
        return compare(operator, items(left, 0), items(right, 0))
    here = OuterRef("pk")
    if not isinstance(right, Rows):
        return exists(left, here, compare(operator, left.items(), items(right, 1)))
    # Two row sets: for each kind the left row may have, look for a right row that passes.
    # Splitting by kind keeps each condition on the query that owns the row it reads.
    return any_of(
        *(
            exists(
                left,
                here,
                all_of(
                    item.when,
                    exists(
                        right,
                        OuterRef(here),
                        compare(
                            operator, [Item(item.kind, True, outer(item.value))], right.items()
                        ),
                    ),
                ),
            )
            for item in left.items()
        )
    )


def items(operand, depth):
    """The Items of a constant or a column of the universe's row, seen `depth` queries in."""
    if isinstance(operand, Constant):
        return [Item(operand.kind, True, operand)]
    if isinstance(operand, Column):
        return [Item(STRING, True, Ref(operand.name, depth))]
    if isinstance(operand, Timestamp):
        return [Item(NUMBER, True, Seconds(Ref(operand.name, depth)))]
    raise TypeError(f"Not an operand: {operand!r}")


def outer(value):
    return Ref(value.name, value.depth + 1)


def exists(rows, owner_ref, condition):
    """The owner has a row of `rows` passing `condition`.

    Always a correlated EXISTS: `pk IN (SELECT owner ...)` was tried, and on SQLite it is
    slower whenever the rest of the query already narrows the owners (`name == "x" && ...`).
    """
    if condition is False:
        return False
    condition = all_of(rows.selection(), condition)
    return RowsExist(rows.model, rows.owner, owner_ref, condition)


class RowsExist:
    """EXISTS over an owner's rows of a related table, kept as its parts until `finished` so
    that `a || b` over the same table becomes one EXISTS with an OR inside, built once."""

    conditional = True

    def __init__(self, model, owner, owner_ref, condition):
        self.key = (model, owner, owner_ref)
        self.condition = condition

    def as_exists(self, tested_per_row=False):
        model, owner, owner_ref = self.key
        rows = model.objects.filter(**{owner: owner_ref}).filter(finished(self.condition))
        return RowExists(rows) if tested_per_row else Exists(rows)


class RowExists(Exists):
    """EXISTS that PostgreSQL tests row by row rather than joining.

    PostgreSQL turns each EXISTS in a conjunction into a semi-join and plans all of them
    together, in time and memory that grow with the cube of their number: 80 `&&` terms took
    3 s to plan, 100 a minute and gigabytes. `(EXISTS (...) IS TRUE)` is the same test, but the
    planner leaves it a filter, so a query of n terms costs n index probes per row.
    """

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f"({sql} IS TRUE)", params


# More EXISTS than this in one conjunction are tested row by row (RowExists); up to this many,
# PostgreSQL plans them as joins quickly, and a join is faster over a large universe.
MAX_JOINED_EXISTS = 8


def finished(condition):
    """The condition with every RowsExist turned into Django's Exists()."""
    if isinstance(condition, RowsExist):
        return condition.as_exists()
    if isinstance(condition, Q):
        many = (
            condition.connector == Q.AND
            and sum(isinstance(child, RowsExist) for child in condition.children)
            > MAX_JOINED_EXISTS
        )
        children = [
            child.as_exists(tested_per_row=True)
            if many and isinstance(child, RowsExist)
            else finished(child)
            for child in condition.children
        ]
        return Q(*children, _connector=condition.connector, _negated=condition.negated)
    return condition


def merge_exists(conditions):
    """`EXISTS(a) OR EXISTS(b)` as `EXISTS(a OR b)` where both read the same rows.

    One subquery instead of hundreds: PostgreSQL's JIT compiler otherwise spends seconds on a
    machine-made query with a few hundred alternatives.
    """
    merged, order = {}, []
    for condition in conditions:
        key = condition.key if isinstance(condition, RowsExist) else id(condition)
        if key not in merged:
            order.append(key)
            merged[key] = condition
        else:
            first = merged[key]
            merged[key] = RowsExist(*key, any_of(first.condition, condition.condition))
    return [merged[key] for key in order]


def query_depth(node):
    """How many levels the query nests, counted without recursion."""
    deepest, pending = 0, [(node, 1)]
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        for child in (getattr(current, name, None) for name in ("inner", "lhs", "rhs")):
            if isinstance(child, QUERY_NODES):
                pending.append((child, depth + 1))
    return deepest


QUERY_NODES = (Latest, Single, Negation, Brackets, Test, BooleanExpr, UsedBy, Uses, Subquery)


def missing_subquery(name, subqueries):
    """orderly's message for `{name}` when no subquery has that name."""
    if subqueries:
        available = ", ".join(f"'{n}'" for n in sorted(subqueries))
        return f"Cannot locate subquery named '{name}'. Available subqueries are {available}."
    return f"Cannot locate subquery named '{name}'. No named subqueries provided."


def select(universe, table, node, *, this=None, subqueries=None):
    """The rows of `universe` that the query `node` selects; EvaluationError if it fails.

    `subqueries` are the named subqueries `{name}` refers to: {name: AST} (`parse_subqueries`).
    """
    if this is not None and not isinstance(this, dict):
        raise TypeError(f"`this` must be a dict of parameter values, not {type(this).__name__}")
    return Evaluation(universe, table, this, subqueries).select(node)
