"""Evaluation on a copy of outpack_server's example root: the cases spec §5 names, and the
reference's own tests (`query_eval.rs`, `tests/test_query.rs`)."""

import json

import pytest

from reprostore.packets.search import search
from reprostore.query import parse
from reprostore.query.evaluate import EvaluationError
from reprostore.query.parse import recursion_limit
from tests.query.reference import Reference, Row

QUERIES1 = ["20170818-164830-33e0ab01", "20170818-164847-7574883b", "20180818-164043-7cdcde4b"]
PARAMS1 = "20180220-095832-16a4bbed"
ALL = sorted([*QUERIES1, PARAMS1])
NULL_PARAMETERS = "20170818-164847-7574883b"
NEWEST_ID = "20180818-164043-7cdcde4b"


@pytest.mark.parametrize(
    "query, expected",
    [
        # `latest` is the greatest id, not the latest time.start (params1 started later).
        ("latest", [NEWEST_ID]),
        ("latest()", [NEWEST_ID]),
        ('latest(name == "modup-201707-queries1")', [NEWEST_ID]),
        ('latest(name == "modup-201707-params1")', [PARAMS1]),
        ('latest(name == "123")', []),
        (f'latest(id == "{PARAMS1}" || id == "{QUERIES1[0]}")', [PARAMS1]),
        (f'latest(id == "{QUERIES1[0]}" || id == "{PARAMS1}")', [PARAMS1]),
        ("latest(single(latest()))", [NEWEST_ID]),
        (f'"{PARAMS1}"', [PARAMS1]),
        (f"id == '{NEWEST_ID}'", [NEWEST_ID]),
        ('id == "123"', []),
        ('name == "modup-201707-queries1"', QUERIES1),
        ('"modup-201707-queries1" == name', QUERIES1),
        ('parameter:disease == "YF"', [QUERIES1[0], PARAMS1, QUERIES1[2]]),
        ('parameter:foo == "bar"', []),
        # Types are never coerced: pull_data is the boolean true.
        ("parameter:pull_data == 1", []),
        ("parameter:pull_data == true", [PARAMS1]),
        ("parameter:pull_data == TRUE", [PARAMS1]),
        ('parameter:pull_data == "true"', []),
        ('parameter:pull_data == "TRUE"', []),
        ("parameter:pull_data >= true", []),
        ("parameter:pull_data < 2", []),
        ('parameter:size == "10"', []),
        ("parameter:size == 10", [PARAMS1]),
        ("parameter:size == 10.0", [PARAMS1]),
        ("parameter:size == 1e1", [PARAMS1]),
        ("parameter:tolerance == 0.001", [PARAMS1]),
        ("parameter:tolerance == 0.002", []),
        ('parameter:tolerance == "0.001"', []),
        ("parameter:tolerance != 0.002", [PARAMS1]),
        ("parameter:tolerance < 0.002", [PARAMS1]),
        ("parameter:tolerance <= 0.002", [PARAMS1]),
        ("parameter:tolerance > 0", [PARAMS1]),
        ("parameter:tolerance >= 0", [PARAMS1]),
        ("parameter:tolerance < 0", []),
        ('parameter:disease < "YF"', []),
        ('parameter:disease >= "YF"', []),
        # A missing parameter fails every comparison, != too; a negated == does not.
        ('parameter:disease != "YF"', []),
        ('!(parameter:disease == "YF")', [NULL_PARAMETERS]),
        ('parameter:disease != "HepB"', [QUERIES1[0], PARAMS1, QUERIES1[2]]),
        # Literals are compared once per packet: all or nothing.
        ("id != 5", ALL),
        ("2 != 1", ALL),
        ('"a" == "a"', ALL),
        ("2 == 1", []),
        ("1 == true", []),
        ("-0 == 0", ALL),
        ("id == id", ALL),
        ("id == name", []),
        ("name != id", ALL),
        (
            'name == "modup-201707-queries1" && parameter:disease == "YF"',
            [QUERIES1[0], QUERIES1[2]],
        ),
        (
            'name == "modup-201707-params1" || !(parameter:disease == "YF")',
            sorted([PARAMS1, NULL_PARAMETERS]),
        ),
        ('!name == "modup-201707-queries1"', [PARAMS1]),
        ('(((name == "modup-201707-params1")))', [PARAMS1]),
        # The universe is every packet with metadata: only one of them is in `local`.
        ('!(id == "x")', ALL),
    ],
)
def test_example_root_matches_the_reference(example, query, expected):
    assert search(query) == expected


def example_rows(path):
    rows = []
    for file in sorted((path / ".outpack" / "metadata").iterdir()):
        metadata = json.loads(file.read_text())
        rows.append(Row(metadata["id"], metadata["name"], metadata["parameters"]))
    return rows


@pytest.mark.parametrize(
    "query",
    [
        'parameter:disease == "YF" || parameter:size > 1',
        '!(parameter:disease == "YF" && name == "modup-201707-queries1")',
        "latest(parameter:tolerance < 1 || parameter:pull_data == true)",
        'single(parameter:size >= 10) || id == "20170818-164830-33e0ab01"',
        "parameter:size != parameter:tolerance",
        "parameter:disease == parameter:disease && !(parameter:pull_data == false)",
    ],
)
def test_the_reference_evaluator_agrees_on_the_example(example, query):
    assert search(query) == Reference(example_rows(example)).ids(parse(query))


@pytest.mark.parametrize(
    "query, message",
    [
        (
            'single(name == "modup-201707-queries1")',
            "Query found 3 packets, but expected exactly one",
        ),
        ('single(name == "nope")', "Query found 0 packets, but expected exactly one"),
        ("single(id != 5)", "Query found 4 packets, but expected exactly one"),
        # Evaluation is depth first, left to right; both sides of || are evaluated.
        ('single(name == "nope") || latest()', "Query found 0 packets, but expected exactly one"),
        ('latest() || single(name == "nope")', "Query found 0 packets, but expected exactly one"),
        (
            'id == "x" && single(latest(name == "nope"))',
            "Query found 0 packets, but expected exactly one",
        ),
        ("this:x == 1", "this parameters are not supported in this context"),
        ("1 == this:x", "this parameters are not supported in this context"),
        ("environment:x == 1", "environment lookup is not supported in this context"),
        ("this:x == environment:y", "this parameters are not supported in this context"),
        ("environment:y == this:x", "environment lookup is not supported in this context"),
        (
            'this:x == 1 || single(name == "nope")',
            "this parameters are not supported in this context",
        ),
        (
            'single(name == "nope") || this:x == 1',
            "Query found 0 packets, but expected exactly one",
        ),
        (
            'latest(name == "nope" && environment:e == 1)',
            "environment lookup is not supported in this context",
        ),
    ],
)
def test_evaluation_errors_have_the_reference_message(example, query, message):
    with pytest.raises(EvaluationError) as raised:
        search(query)
    assert str(raised.value) == message


def test_single_returns_its_one_packet(example):
    assert search(f'single(id == "{PARAMS1}")') == [PARAMS1]
    assert search('single(name == "modup-201707-params1") && parameter:size == 10') == [PARAMS1]


@pytest.mark.parametrize(
    "query",
    ["this:x == 1", "environment:x == 1", "this:x == environment:y", "latest(this:a > 1)"],
)
def test_lookup_errors_need_a_packet_to_test(empty_root, query):
    assert search(query) == []


def test_single_fails_on_an_empty_root(empty_root):
    assert search("latest") == []
    with pytest.raises(EvaluationError, match="^Query found 0 packets, but expected exactly one$"):
        search("single(latest())")


@pytest.mark.parametrize(
    "this, query, expected",
    [
        (
            {"disease": "YF"},
            "parameter:disease == this:disease",
            [QUERIES1[0], PARAMS1, QUERIES1[2]],
        ),
        ({"disease": "YF"}, "latest(parameter:disease == this:disease)", [NEWEST_ID]),
        ({"size": 10}, "parameter:size == this:size", [PARAMS1]),
        ({"size": 10}, "parameter:size > this:size", []),
        ({"flag": True}, "parameter:pull_data == this:flag", [PARAMS1]),
        ({"flag": 1}, "parameter:pull_data == this:flag", []),
        ({"name": "modup-201707-params1"}, "name == this:name", [PARAMS1]),
        # A list or object is no query value, as for parameters.
        ({"disease": ["YF"]}, "parameter:disease != this:disease", []),
        ({"a": 1}, "this:a == 1", ALL),
    ],
)
def test_this_values_come_from_the_dict(example, this, query, expected):
    assert search(query, this=this) == expected


@pytest.mark.parametrize("this", [{}, {"x": None}])
def test_a_missing_this_value_fails_as_in_pyorderly(example, this):
    with pytest.raises(EvaluationError, match="^Parameter `x` was not found in current packet$"):
        search("parameter:disease == this:x", this=this)


@pytest.mark.parametrize(
    "template",
    [
        "({})",
        "!({})",
        "latest({})",
        'parameter:disease == "YF" || (id != "x" && ({}))',
        "!(parameter:size > 1 && {})",
    ],
)
def test_queries_300_levels_deep_are_evaluated(example, template):
    query = 'name == "modup-201707-queries1"'
    for _ in range(300):
        query = template.format(query)
    with recursion_limit(10_000):  # for the reference evaluator, which recurses freely
        expected = Reference(example_rows(example)).ids(parse(query))
    assert search(query) == expected


def test_a_long_flat_query_is_one_statement(example, django_assert_max_num_queries):
    query = " || ".join(f'parameter:disease == "D{i}"' for i in range(500)) + ' || name == "x"'
    with django_assert_max_num_queries(2):
        assert search(query) == []


@pytest.mark.parametrize(
    "query",
    ["(" * 5000 + "latest()" + ")" * 5000, "latest(" * 1000 + "latest()" + ")" * 1000],
)
def test_queries_thousands_of_levels_deep_are_evaluated(example, query):
    assert search(query) == [NEWEST_ID]
