"""A plain Python evaluator written from spec §5, row by row, to check the SQL one against.

It follows the text of the spec and nothing of the implementation: every comparison is worked
out for every row of the universe, left operand first, and a lookup that fails fails on the
first row it is worked out for.
"""

import math
from dataclasses import dataclass, field
from fractions import Fraction

from reprostore.query import ast as q

EQ, NE = q.TestOperator.Equal, q.TestOperator.NotEqual
ORDER = {
    q.TestOperator.LessThan: lambda a, b: a < b,
    q.TestOperator.LessThanOrEqual: lambda a, b: a <= b,
    q.TestOperator.GreaterThan: lambda a, b: a > b,
    q.TestOperator.GreaterThanOrEqual: lambda a, b: a >= b,
}


class Failure(Exception):
    """An evaluation error, with the reference's message."""


@dataclass
class Row:
    """One packet or record: its id, name and parameters, plus extra lookups (records).

    `fields` maps a lookup to the list of values it has (tags have many, a missing one none).
    `newest` orders the rows for `latest`; for packets it is the id.
    """

    id: str
    name: str
    parameters: dict | None
    fields: dict = field(default_factory=dict)
    newest: object = None

    def __post_init__(self):
        if self.newest is None:
            self.newest = self.id


def kind(value):
    # A bool is not a number, so this test comes first.
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Fraction):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def as_query_value(value):
    """A JSON value as the rules see it: ints become doubles; null, lists, objects are absent."""
    if isinstance(value, bool | str | float):
        return [value]
    if isinstance(value, int):
        try:
            return [float(value)]
        except OverflowError:  # rounds to an infinite double
            return [math.inf if value > 0 else -math.inf]
    return []


def holds(operator, a, b):
    if kind(a) == "number" and kind(b) == "number":
        if operator is EQ:
            return a == b
        if operator is NE:
            return a != b
        return ORDER[operator](a, b)
    same = kind(a) == kind(b) and a == b
    if operator is EQ:
        return same
    if operator is NE:
        return not same
    return False


class Reference:
    def __init__(self, rows, *, this=None, noun="packet"):
        self.rows = sorted(rows, key=lambda row: row.id)
        self.this = this
        self.noun = noun

    def ids(self, node):
        return sorted(row.id for row in self.evaluate(node))

    def evaluate(self, node):
        if isinstance(node, q.Brackets):
            return self.evaluate(node.inner)
        if isinstance(node, q.Negation):
            inner = self.evaluate(node.inner)
            return [row for row in self.rows if row not in inner]
        if isinstance(node, q.BooleanExpr):
            lhs, rhs = self.evaluate(node.lhs), self.evaluate(node.rhs)
            if node.operator is q.BooleanOperator.And:
                return [row for row in lhs if row in rhs]
            return lhs + [row for row in rhs if row not in lhs]
        if isinstance(node, q.Latest):
            found = self.rows if node.inner is None else self.evaluate(node.inner)
            return [max(found, key=lambda row: row.newest)] if found else []
        if isinstance(node, q.Single):
            found = self.evaluate(node.inner)
            if len(found) != 1:
                raise Failure(f"Query found {len(found)} {self.noun}s, but expected exactly one")
            return found
        if isinstance(node, q.Test):
            return [row for row in self.rows if self.test(node, row)]
        raise TypeError(node)

    def test(self, node, row):
        lhs = self.values(node.lhs, row)
        rhs = self.values(node.rhs, row)
        return any(holds(node.operator, a, b) for a in lhs for b in rhs)

    def values(self, lookup, row):
        if isinstance(lookup, q.Literal):
            return [lookup.value]
        if isinstance(lookup, q.LookupId):
            return [row.id]
        if isinstance(lookup, q.LookupName):
            return [row.name]
        if isinstance(lookup, q.LookupParameter):
            parameters = row.parameters or {}
            return as_query_value(parameters[lookup.name]) if lookup.name in parameters else []
        if isinstance(lookup, q.LookupField):
            return row.fields[lookup.name]
        if isinstance(lookup, q.LookupEnvironment):
            raise Failure("environment lookup is not supported in this context")
        if isinstance(lookup, q.LookupThis):
            if self.this is None:
                raise Failure("this parameters are not supported in this context")
            if self.this.get(lookup.name) is None:
                raise Failure(f"Parameter `{lookup.name}` was not found in current {self.noun}")
            return as_query_value(self.this[lookup.name])
        raise TypeError(lookup)


def outcome(function, *args, **kwargs):
    """("ok", result) or ("error", message): what a query gave, to compare two evaluators."""
    try:
        return "ok", function(*args, **kwargs)
    except (Failure, ValueError) as error:
        return "error", str(error)
