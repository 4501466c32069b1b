"""orderly's extension of the language: `usedby`, `uses`, `{subquery}` and `{name}`.

The dialects "orderly" and "records-orderly" accept it; "outpack" (and "records") refuse every
piece of it with exactly the reference parser's report, so parse identity stays exact.
"""

import importlib
import math

import outpack_query_parser as reference
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reprostore.query import ParseError, parse, to_dict
from reprostore.query import ast as q
from reprostore.query.parse import lark_parser, replay_reference
from tests.query.generate import PACKET_LOOKUPS, queries
from tests.query.lineage_reference import orderly_text

pytestmark = pytest.mark.nodb

# The module, which `reprostore.query.parse` (the function) hides.
parse_module = importlib.import_module("reprostore.query.parse")

LATEST = q.Latest(None)
ID_X = q.Test(q.TestOperator.Equal, q.LookupId(), q.Literal("x"))
NAME_A = q.Test(q.TestOperator.Equal, q.LookupName(), q.Literal("a"))

EXTENSION_TEXTS = [
    "usedby(latest())",
    "uses(latest())",
    "usedby(latest(), 2)",
    "uses(id == 'x', depth = 1)",
    'usedby("20240101-000000-0000000a")',
    "{latest()}",
    "{C}",
    "{ name }",
    "name == 'a' && usedby(latest())",
    "latest(uses(single(name == 'a')))",
    "!uses(latest())",
    "(usedby(latest()))",
    "single({latest()})",
    "usedby(latest(), Inf)",
    "usedby(name == 'a')",
    "usedby(latest(), 0)",
    "uses",
    "usedby",
    "{}",
]


def reference_outcome(text):
    try:
        return "parsed", to_dict(reference.parse_query(text))
    except ValueError as error:
        return "error", str(error)


def report(text, dialect):
    with pytest.raises(ParseError) as error:
        parse(text, dialect)
    return str(error.value)


@pytest.mark.parametrize("text", EXTENSION_TEXTS)
@pytest.mark.parametrize("dialect", ["outpack", "records"])
def test_the_strict_dialects_refuse_the_extension_exactly_as_the_reference(text, dialect):
    kind, message = reference_outcome(text)
    assert kind == "error"
    assert report(text, dialect) == message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("usedby(latest())", q.UsedBy(LATEST, math.inf)),
        ("uses(latest())", q.Uses(LATEST, math.inf)),
        ("usedby(latest(), 2)", q.UsedBy(LATEST, 2.0)),
        ("usedby(latest(), 1.5)", q.UsedBy(LATEST, 1.5)),
        ("usedby(latest(), 1e400)", q.UsedBy(LATEST, math.inf)),
        ("usedby(latest(), Inf)", q.UsedBy(LATEST, math.inf)),
        ("uses(latest(), depth = 3)", q.Uses(LATEST, 3.0)),
        ("uses(latest(),depth=Inf)", q.Uses(LATEST, math.inf)),
        ("usedby(id == 'x')", q.UsedBy(ID_X, math.inf)),
        # orderly accepts any comparison with `id` as "a single id", whatever its operator.
        (
            "usedby('x' != id)",
            q.UsedBy(q.Test(q.TestOperator.NotEqual, q.Literal("x"), q.LookupId()), math.inf),
        ),
        ("usedby(single(name == 'a'))", q.UsedBy(q.Single(NAME_A), math.inf)),
        (
            'uses("20240101-000000-0000000a")',
            q.Uses(q.Literal("20240101-000000-0000000a"), math.inf),
        ),
        ("usedby({latest()})", q.UsedBy(q.Subquery(LATEST), math.inf)),
        ("usedby({C}, 1)", q.UsedBy(q.NamedSubquery("C"), 1.0)),
        ("{latest(name == 'a')}", q.Subquery(q.Latest(NAME_A))),
        ("{name == 'a'}", q.Subquery(NAME_A)),
        ("{C}", q.NamedSubquery("C")),
        ("{ my.query_2 }", q.NamedSubquery("my.query_2")),
        # A bare R name in braces names a subquery, even `name` or `latest` (as in orderly).
        ("{name}", q.NamedSubquery("name")),
        ("{latest}", q.NamedSubquery("latest")),
        (
            "latest(usedby(latest(name == 'a')) && name == 'b')",
            q.Latest(
                q.BooleanExpr(
                    q.BooleanOperator.And,
                    q.UsedBy(q.Latest(NAME_A), math.inf),
                    q.Test(q.TestOperator.Equal, q.LookupName(), q.Literal("b")),
                )
            ),
        ),
        ("!uses(latest())", q.Negation(q.Uses(LATEST, math.inf))),
        (
            "uses(single(usedby(latest(), 1) && name == 'a'), 2)",
            q.Uses(
                q.Single(q.BooleanExpr(q.BooleanOperator.And, q.UsedBy(LATEST, 1.0), NAME_A)),
                2.0,
            ),
        ),
    ],
)
def test_the_orderly_dialect_parses_the_extension(text, expected):
    assert parse(text, "orderly") == expected
    assert parse(text, "records-orderly") == expected


def test_the_tree_of_the_extension_as_plain_data():
    assert to_dict(parse("uses({C}, 2)", "orderly")) == {
        "type": "Uses",
        "inner": {"type": "NamedSubquery", "name": "C"},
        "depth": 2.0,
    }
    assert to_dict(parse("usedby({latest()})", "orderly"))["depth"] == math.inf


NOT_SINGLE = (
    "must be called on an expression guaranteed to return a single ID. "
    "Try wrapping expression in `latest` or `single`."
)


@pytest.mark.parametrize(
    "text, column, marker",
    [
        ("usedby(name == 'a')", 1, "^----^"),
        ("uses(name == 'a' && id == 'x')", 1, "^--^"),
        ("uses(parameter:id == 1)", 1, "^--^"),
        # Brackets are not a single id to orderly, and neither is a subquery of a test.
        ("usedby((latest()))", 1, "^----^"),
        ("usedby({name == 'a'})", 1, "^----^"),
        ("name == 'b' || uses(!(id == 'x'))", 16, "^--^"),
    ],
)
def test_lineage_needs_a_single_packet_as_orderly_says(text, column, marker):
    message = report(text, "orderly")
    name = text[column - 1 :].split("(")[0]
    assert message.endswith(f"= {name} {NOT_SINGLE}")
    assert f"--> 1:{column}\n" in message
    assert f"| {' ' * (column - 1)}{marker}\n" in message


@pytest.mark.parametrize("depth", ["0", "-1", "0.0", "-0", "-1e400", "depth = 0"])
def test_a_depth_must_be_positive(depth):
    text = f"usedby(latest(), {depth})"
    message = report(text, "orderly")
    assert message.endswith(
        "= `depth` argument in 'usedby()' must be a positive numeric, set to control the number "
        "of layers of parents to recurse through when listing dependencies. "
        "Use `depth = Inf` to search entire dependency tree."
    )
    assert f"--> 1:{text.rindex(depth.split()[-1]) + 1}\n" in message


@pytest.mark.parametrize(
    "text, reason",
    [
        ("usedby(latest(),)", "expected depth"),
        ("usedby(latest(), TRUE)", "expected depth"),
        ("usedby(latest(), depth == 1)", "expected depth"),
        ("usedby()", "expected body or string"),
        ("usedby(latest", "expected body or string"),
        ("usedby(latest(), 1, 2)", "expected and or or"),
        ("{}", "expected body"),
        ("{latest()", "expected and or or"),
        ("usedby 'x'", "expected query"),
    ],
)
def test_syntax_errors_in_the_extension_name_what_could_come_next(text, reason):
    assert report(text, "orderly").endswith(f"= {reason}")


def test_a_syntax_error_is_reported_before_a_misuse():
    # As pest reports a syntax error anywhere before an unknown operator.
    assert report("usedby(name == 'a') && (", "orderly").endswith("= expected body")


def test_records_count_their_label_as_the_id():
    label = q.Test(q.TestOperator.Equal, q.LookupField("label"), q.Literal("r1"))
    assert parse("usedby(label == 'r1')", "records-orderly") == q.UsedBy(label, math.inf)
    assert report("usedby(label == 'r1')", "orderly").endswith("= expected body or string")
    assert report("usedby(tag == 'r1')", "records-orderly").endswith(NOT_SINGLE)


def test_each_dialect_has_its_own_parser():
    parsers = {d: lark_parser(d) for d in ("outpack", "records", "orderly", "records-orderly")}
    assert len({id(p) for p in parsers.values()}) == 4
    assert lark_parser("orderly") is parsers["orderly"]


# ---- generated queries ---------------------------------------------------------------------

DEPTHS = st.sampled_from([1.0, 2.0, 0.5, 1e9, math.inf])


def with_lineage(inner):
    """The extension's nodes around generated queries; starts are what orderly allows."""
    starts = st.one_of(
        st.builds(q.Latest, st.none() | inner),
        st.builds(q.Single, inner),
        st.builds(
            q.Test, st.sampled_from(list(q.TestOperator)), st.just(q.LookupId()), PACKET_LOOKUPS
        ),
        st.builds(q.Literal, st.sampled_from(["x", "20240101-000000-0000000a"])),
        st.builds(q.Subquery, st.builds(q.Latest, st.none() | inner)),
        st.builds(q.NamedSubquery, st.sampled_from(["C", "x.y"])),
    )
    return st.one_of(
        st.builds(q.UsedBy, starts, DEPTHS),
        st.builds(q.Uses, starts, DEPTHS),
        st.builds(q.Subquery, inner),
    )


def extended_queries():
    base = queries(PACKET_LOOKUPS)
    return st.recursive(
        base | with_lineage(base),
        lambda inner: st.one_of(
            with_lineage(inner),
            st.builds(q.Negation, inner),
            st.builds(q.BooleanExpr, st.sampled_from(list(q.BooleanOperator)), inner, inner),
            st.builds(q.Latest, inner),
            st.builds(q.Single, inner),
        ),
        max_leaves=5,
    )


def without_brackets(node):
    """The tree as data, Brackets dropped (the printer adds them around every operand)."""
    data = to_dict(node)
    pending = [data]
    while pending:
        item = pending.pop()
        for key, value in list(item.items()):
            while isinstance(value, dict) and value.get("type") == "Brackets":
                value = value["inner"]
            item[key] = value
            if isinstance(value, dict):
                pending.append(value)
    return data


FAST = settings(
    max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(extended_queries())
def test_generated_extended_queries_parse_back_and_the_strict_dialect_refuses_them(node):
    text = orderly_text(node)
    assert without_brackets(parse(text, "orderly")) == without_brackets(node)
    kind, message = reference_outcome(text)
    if any(word in text for word in ("usedby(", "uses(", "{")):
        assert kind == "error"
        assert report(text, "outpack") == message
    else:
        assert parse(text, "outpack") == parse(text, "orderly")


JUNK = [*"(){},=!&|' \"", "usedby", "uses", "depth", "Inf", "latest", "0", "-1", "{C}"]


@st.composite
def mutated(draw, texts):
    text = draw(texts)
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 3)))
        text = text[:start] + draw(st.sampled_from(["", *JUNK])) + text[end:]
    return text


@FAST
@given(mutated(extended_queries().map(orderly_text)))
def test_the_orderly_dialect_agrees_with_its_replay(text):
    # Syntax errors are reported by the replay of the rules; it must refuse exactly what lark
    # refuses, or the messages would point at the wrong place.
    try:
        parse(text, "orderly")
    except ParseError as error:
        semantic = error.reason.startswith(("Encountered unknown", "`depth`", "usedby", "uses"))
        assert error.reason != "unexpected input"
    else:
        semantic = True
    assert (replay_reference(text, "orderly") is None) == semantic, text


def test_a_refusal_its_replay_would_miss_is_still_a_parse_error(monkeypatch):
    # The extension's replay is ours; if it ever accepted what lark refuses, the person still
    # gets a position, not a crash (the reference dialect keeps its assertion).
    monkeypatch.setattr(parse_module, "replay_reference", lambda text, dialect: None)
    assert report("usedby(latest(),", "orderly").endswith("= unexpected input")
    assert "--> 1:1\n" in report("}", "orderly")
    with pytest.raises(AssertionError):
        parse("latest(", "outpack")
