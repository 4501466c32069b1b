"""Evaluation on generated roots, compared with the reference evaluator of tests/query/reference.py.

Parameters take every JSON type (int, float, string, boolean, null, list, object), and the
SQL result must equal the row-by-row result of the spec's rules, errors included.
"""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reprostore.packets.search import search
from reprostore.query import parse
from tests.query.conftest import index_packets, index_root, packet_ids, write_root
from tests.query.generate import (
    ENVIRONMENT_LOOKUPS,
    PACKET_LOOKUPS,
    PARAMETER_NAMES,
    PARAMETER_VALUES,
    PARAMETERS,
    THIS_LOOKUPS,
    queries,
    to_text,
)
from tests.query.reference import Reference, Row, outcome

# One packet per JSON type of parameter `p`, and one packet with `"parameters": null`.
TYPED = [
    ("20240101-000001-00000001", "int", {"p": 1, "q": 1}),
    ("20240101-000002-00000002", "float", {"p": 1.0, "q": 2.5}),
    ("20240101-000003-00000003", "big", {"p": 9007199254740993, "q": -(10**400)}),
    ("20240101-000004-00000004", "string", {"p": "1", "q": "a"}),
    ("20240101-000005-00000005", "boolean", {"p": True, "q": False}),
    ("20240101-000006-00000006", "null", {"p": None, "q": None}),
    ("20240101-000007-00000007", "list", {"p": [1], "q": ["a"]}),
    ("20240101-000008-00000008", "object", {"p": {"a": 1}, "q": {}}),
    ("20240101-000009-00000009", "none", None),
    ("20240101-000010-0000000a", "zero", {"p": -0.0, "q": 0}),
]


def reference_rows(packets):
    return [Row(packet_id, name, parameters) for packet_id, name, parameters in packets]


@pytest.fixture
def typed_root(settings, tmp_path, db):
    return index_root(settings, write_root(tmp_path / "typed", TYPED))


def names(ids):
    by_id = {packet_id: name for packet_id, name, _ in TYPED}
    return [by_id[i] for i in ids]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("parameter:p == 1", ["int", "float"]),
        ("parameter:p == 1.0", ["int", "float"]),
        ("parameter:p == true", ["boolean"]),
        ("parameter:p == 'true'", []),
        ("parameter:p == '1'", ["string"]),
        ("parameter:p != 1", ["big", "string", "boolean", "zero"]),
        (
            "!(parameter:p == 1)",
            ["big", "string", "boolean", "null", "list", "object", "none", "zero"],
        ),
        ("parameter:p > 0", ["int", "float", "big"]),
        ("parameter:p >= true", []),
        ("parameter:p < 'z'", []),
        # A stored 2^53 + 1 is the double 2^53, as in Rust.
        ("parameter:p == 9007199254740992", ["big"]),
        ("parameter:p == 0", ["zero"]),
        ("parameter:p == -0", ["zero"]),
        ("parameter:q < -1e308", ["big"]),
        ("parameter:q == -1e400", ["big"]),
        ("parameter:p == parameter:q", ["int", "zero"]),
        ("parameter:p != parameter:q", ["float", "big", "string", "boolean"]),
        ("parameter:p < parameter:q", ["float"]),
        ("parameter:q > parameter:p", ["float"]),
        ("parameter:p == parameter:p", ["int", "float", "big", "string", "boolean", "zero"]),
        ("parameter:p != parameter:p", []),
        ("parameter:q == name", []),
        ("parameter:p != name", ["int", "float", "big", "string", "boolean", "zero"]),
        ("id != 5", [name for _, name, _ in TYPED]),
        ("parameter:missing != 5", []),
        ("1 == true", []),
        ("2 != 1", [name for _, name, _ in TYPED]),
        ("'a' < 'b'", []),
    ],
)
def test_typed_parameters_follow_the_reference_rules(typed_root, query, expected):
    assert names(search(query)) == sorted(expected, key=lambda n: names_order()[n])
    assert Reference(reference_rows(TYPED)).ids(parse(query)) == search(query)


def names_order():
    return {name: position for position, (_, name, _) in enumerate(TYPED)}


def test_null_parameters_are_no_parameters(typed_root):
    assert "20240101-000009-00000009" in search("!(parameter:p == 1)")
    assert "20240101-000009-00000009" not in search("parameter:p != 1")


PACKETS = st.lists(
    st.tuples(st.sampled_from(["x", "y", "a", "YF"]), PARAMETERS), min_size=0, max_size=7
)
THIS = st.one_of(st.none(), st.dictionaries(st.sampled_from(PARAMETER_NAMES), PARAMETER_VALUES))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    packets=PACKETS,
    query=queries(st.one_of(PACKET_LOOKUPS, THIS_LOOKUPS, ENVIRONMENT_LOOKUPS)),
    this=THIS,
)
def test_sql_evaluation_equals_the_reference(db, packets, query, this):
    ids = packet_ids(len(packets))
    generated = [(i, name, parameters) for i, (name, parameters) in zip(ids, packets, strict=True)]
    index_packets(generated)
    text = to_text(query)
    expected = outcome(Reference(reference_rows(generated), this=this).ids, parse(text))
    assert outcome(search, text, this=this) == expected, text


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.floats(allow_nan=False, allow_infinity=False) | st.integers() | st.just(10**400),
    literal=st.floats(allow_nan=False) | st.integers(),
    operator=st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
)
def test_numbers_compare_as_doubles(db, value, literal, operator):
    packets = [("20240101-000001-00000001", "x", {"a": value})]
    index_packets(packets)
    for number in (value, literal):
        text = f"parameter:a {operator} {number_text(number)}"
        assert search(text) == Reference(reference_rows(packets)).ids(parse(text)), text


def number_text(number):
    """A number literal: integers as written (the parser rounds them), floats by repr."""
    if isinstance(number, int):
        return str(number)
    return {math.inf: "1e400", -math.inf: "-1e400"}.get(number, repr(number))
