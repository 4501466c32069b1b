"""Hypothesis strategies for parameters and queries, and a printer that turns an AST into text."""

import math

from hypothesis import strategies as st

from reprostore.query import ast as q

PARAMETER_NAMES = ["a", "b", "c"]
STRINGS = st.sampled_from(["", "a", "b", "x", "YF", "1", "true", "x y", "é"])
NUMBERS = st.one_of(
    st.integers(-3, 3),
    st.sampled_from([0.0, -0.0, 0.5, 1.5, -1.0, 1e20, 2**53, 2**53 + 1, 10**400, -(10**400)]),
    st.floats(allow_nan=False, allow_infinity=False),
)
# Every JSON type a parameter can have: null, lists and objects are absent to queries.
PARAMETER_VALUES = st.one_of(
    NUMBERS,
    STRINGS,
    st.booleans(),
    st.none(),
    st.lists(st.integers(0, 2), max_size=2),
    st.dictionaries(st.just("k"), st.integers(0, 1), max_size=1),
)
PARAMETERS = st.one_of(
    st.none(), st.dictionaries(st.sampled_from(PARAMETER_NAMES), PARAMETER_VALUES, max_size=3)
)
LITERALS = st.builds(
    q.Literal,
    st.one_of(
        STRINGS,
        st.booleans(),
        st.sampled_from([0.0, -0.0, 1.0, 2.0, 0.5, -1.0, 1e20, 9007199254740992.0]),
        st.sampled_from([math.inf, -math.inf]),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
)
PACKET_LOOKUPS = st.one_of(
    st.sampled_from([q.LookupId(), q.LookupName()]),
    st.builds(q.LookupParameter, st.sampled_from([*PARAMETER_NAMES, "zz"])),
)
THIS_LOOKUPS = st.builds(q.LookupThis, st.sampled_from(PARAMETER_NAMES))
ENVIRONMENT_LOOKUPS = st.just(q.LookupEnvironment("e"))


def queries(lookups, literals=LITERALS):
    values = st.one_of(lookups, lookups, literals)
    tests = st.builds(q.Test, st.sampled_from(list(q.TestOperator)), values, values)
    return st.recursive(
        tests,
        lambda inner: st.one_of(
            st.builds(q.Negation, inner),
            st.builds(q.Brackets, inner),
            st.builds(q.BooleanExpr, st.sampled_from(list(q.BooleanOperator)), inner, inner),
            st.builds(q.Latest, st.none() | inner),
            st.builds(q.Single, inner),
        ),
        max_leaves=6,
    )


OPERATORS = {
    q.TestOperator.Equal: "==",
    q.TestOperator.NotEqual: "!=",
    q.TestOperator.LessThan: "<",
    q.TestOperator.LessThanOrEqual: "<=",
    q.TestOperator.GreaterThan: ">",
    q.TestOperator.GreaterThanOrEqual: ">=",
}


def to_text(node):
    """Query text that parses to `node`, give or take Brackets."""
    if isinstance(node, q.Test):
        return f"{value_text(node.lhs)} {OPERATORS[node.operator]} {value_text(node.rhs)}"
    if isinstance(node, q.BooleanExpr):
        operator = "&&" if node.operator is q.BooleanOperator.And else "||"
        return f"({to_text(node.lhs)}) {operator} ({to_text(node.rhs)})"
    if isinstance(node, q.Negation):
        return f"!({to_text(node.inner)})"
    if isinstance(node, q.Brackets):
        return f"({to_text(node.inner)})"
    if isinstance(node, q.Latest):
        return "latest()" if node.inner is None else f"latest({to_text(node.inner)})"
    if isinstance(node, q.Single):
        return f"single({to_text(node.inner)})"
    raise TypeError(node)


def value_text(value):
    if isinstance(value, q.Literal):
        return literal_text(value.value)
    if isinstance(value, q.LookupId):
        return "id"
    if isinstance(value, q.LookupName):
        return "name"
    if isinstance(value, q.LookupParameter):
        return f"parameter:{value.name}"
    if isinstance(value, q.LookupThis):
        return f"this:{value.name}"
    if isinstance(value, q.LookupEnvironment):
        return f"environment:{value.name}"
    if isinstance(value, q.LookupField):
        return value.name
    raise TypeError(value)


def literal_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "1e400" if value > 0 else "-1e400"
        return repr(value)
    return f'"{value}"' if '"' not in value else f"'{value}'"
