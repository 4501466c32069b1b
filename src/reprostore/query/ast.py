"""The query AST: the same node types and fields as the reference parser's.

`outpack_query_parser.parse_query` returns dataclasses with these class names and fields
(spec §4), so code written against either can be read against the other. Ours are frozen,
and the operators are plain enums with the reference's variant names and numbers.
"""

import dataclasses
import enum
from dataclasses import dataclass


class TestOperator(enum.Enum):
    Equal = 0
    NotEqual = 1
    LessThan = 2
    LessThanOrEqual = 3
    GreaterThan = 4
    GreaterThanOrEqual = 5


class BooleanOperator(enum.Enum):
    And = 0
    Or = 1


@dataclass(frozen=True, slots=True)
class LookupId:
    pass


@dataclass(frozen=True, slots=True)
class LookupName:
    pass


@dataclass(frozen=True, slots=True)
class LookupParameter:
    name: str


@dataclass(frozen=True, slots=True)
class LookupThis:
    name: str


@dataclass(frozen=True, slots=True)
class LookupEnvironment:
    name: str


@dataclass(frozen=True, slots=True)
class LookupField:
    """A bare record field such as `tag`; only the records dialect produces it."""

    name: str


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | bool | float


@dataclass(frozen=True, slots=True)
class Latest:
    inner: "Query | None"


@dataclass(frozen=True, slots=True)
class Single:
    inner: "Query"


@dataclass(frozen=True, slots=True)
class Negation:
    inner: "Query"


@dataclass(frozen=True, slots=True)
class Brackets:
    inner: "Query"


@dataclass(frozen=True, slots=True)
class Test:
    operator: TestOperator
    lhs: "TestValue"
    rhs: "TestValue"


@dataclass(frozen=True, slots=True)
class BooleanExpr:
    operator: BooleanOperator
    lhs: "Query"
    rhs: "Query"


# ---- orderly's extension (the "orderly" and "records-orderly" dialects only) -----------------


@dataclass(frozen=True, slots=True)
class UsedBy:
    """`usedby(inner, depth)`: what the one packet `inner` selects used, to `depth` levels.

    `inner` is a query orderly guarantees to select at most one packet (`latest`, `single`, an
    `id` test, a subquery of one of those) or a Literal string id. `depth` is a positive number,
    `inf` when not given.
    """

    inner: "Query | Literal"
    depth: float


@dataclass(frozen=True, slots=True)
class Uses:
    """`uses(inner, depth)`: what used the one packet `inner` selects, to `depth` levels."""

    inner: "Query | Literal"
    depth: float


@dataclass(frozen=True, slots=True)
class Subquery:
    """`{inner}`: an anonymous subquery; `inner` is evaluated without `this:` values."""

    inner: "Query"


@dataclass(frozen=True, slots=True)
class NamedSubquery:
    """`{name}`: the subquery of that name, given beside the query."""

    name: str


Lookup = LookupId | LookupName | LookupParameter | LookupThis | LookupEnvironment | LookupField
TestValue = Literal | Lookup
Query = (
    Latest
    | Single
    | Negation
    | Brackets
    | Test
    | BooleanExpr
    | UsedBy
    | Uses
    | Subquery
    | NamedSubquery
)

Node = Query | TestValue


def to_dict(root):
    """Return the tree as plain data: `{"type": <class name>, <field>: <value>, ...}`.

    Operators become their variant names and number literals stay floats, so `inf`, `-inf`
    and `-0.0` survive; `json.dumps` writes them as `Infinity`, `-Infinity` and `-0.0`.
    """
    # A loop rather than recursion: queries nest thousands of levels deep.
    result = {}
    pending = [(root, result)]
    while pending:
        current, out = pending.pop()
        out["type"] = type(current).__name__
        for field in dataclasses.fields(current):
            value = getattr(current, field.name)
            if isinstance(value, Node):
                out[field.name] = child = {}
                pending.append((value, child))
            elif isinstance(value, enum.Enum):
                out[field.name] = value.name
            else:
                out[field.name] = value
    return result
