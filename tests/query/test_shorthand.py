"""The forgiving search's shorthand (query/shorthand.py): text in, query-language text out."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reprostore.query import parse
from reprostore.query.shorthand import SearchProblem, Understood, understand
from tests.query.generate import PACKET_LOOKUPS, queries, to_text

pytestmark = pytest.mark.nodb

REWRITES = [
    # typed, dialect, the query it runs, the words it looks for
    ("seed=3", "records", "parameter:seed == 3", ()),
    ("seed = 3", "records", "parameter:seed == 3", ()),
    ("seed==3", "records", "parameter:seed == 3", ()),
    ("seed:3", "records", "parameter:seed == 3", ()),
    ("n>100", "records", "parameter:n > 100", ()),
    ("n>=1e3", "records", "parameter:n >= 1e3", ()),
    ("n => 1E3", "records", "parameter:n >= 1E3", ()),
    ("tau=<20", "records", "parameter:tau <= 20", ()),
    ("n<>4", "records", "parameter:n != 4", ()),
    ("x=.5", "records", "parameter:x == 0.5", ()),
    ("x=-.5", "records", "parameter:x == -0.5", ()),
    ("x=-1", "records", "parameter:x == -1", ()),
    ("flag=True", "records", "parameter:flag == true", ()),
    ("flag=FALSE", "records", "parameter:flag == false", ()),
    ("model=lif", "records", 'parameter:model == "lif"', ()),
    ("model='lif'", "records", "parameter:model == 'lif'", ()),
    ("model=it's", "records", "parameter:model == \"it's\"", ()),
    ("parameter:seed=3", "records", "parameter:seed == 3", ()),
    ("parameter:seed:3", "records", "parameter:seed == 3", ()),
    ("outcome=ok", "records", 'outcome == "ok"', ()),
    ("outcome=ok", "outpack", 'parameter:outcome == "ok"', ()),
    ("name=x", "outpack", 'name == "x"', ()),
    ("name:x", "outpack", 'name == "x"', ()),
    ("id:20240101-120000-1a2b3c4d", "outpack", 'id == "20240101-120000-1a2b3c4d"', ()),
    ("label=run-a", "records", 'label == "run-a"', ()),
    ("this:x=1", "outpack", "this:x == 1", ()),
    ("x=this:y", "outpack", "parameter:x == this:y", ()),
    ("3<n", "records", "3 < parameter:n", ()),
    ("tag:foo", "records", 'tag == "foo"', ()),
    ("#foo", "records", 'tag == "foo"', ()),
    ('tag:"a b"', "records", 'tag == "a b"', ()),
    ("tag:foo", "outpack", 'parameter:tag == "foo"', ()),
    ("#foo", "outpack", "", ("#foo",)),
    ("seed=3 n>100", "records", "parameter:seed == 3 && parameter:n > 100", ()),
    ("seed=3 and n>100", "records", "parameter:seed == 3 && parameter:n > 100", ()),
    ("seed=3 AND n>100", "records", "parameter:seed == 3 && parameter:n > 100", ()),
    ("seed=3 & n>100", "records", "parameter:seed == 3 && parameter:n > 100", ()),
    ("seed=3 | n>100", "records", "parameter:seed == 3 || parameter:n > 100", ()),
    ("seed=3 or n>100", "records", "parameter:seed == 3 || parameter:n > 100", ()),
    ("a=1 b=2 || c=3", "records", "parameter:a == 1 && parameter:b == 2 || parameter:c == 3", ()),
    ("not #x", "records", '!(tag == "x")', ()),
    ("!tag:x", "records", '!(tag == "x")', ()),
    ("!(a=1 || b=2)", "records", "!(parameter:a == 1 || parameter:b == 2)", ()),
    ("(a=1 || b=2) c=3", "records", "(parameter:a == 1 || parameter:b == 2) && parameter:c == 3",
     ()),
    ("latest(seed=3)", "records", "latest(parameter:seed == 3)", ()),
    ("single(#paper)", "records", 'single(tag == "paper")', ()),
    ("stable", "records", "", ("stable",)),
    ("stable seed=3", "records", "parameter:seed == 3", ("stable",)),
    ('"higher rate" n=200', "records", "parameter:n == 200", ("higher rate",)),
    ("ring 20240506", "records", "", ("ring", "20240506")),
    ("12:30", "records", "", ("12:30",)),
    ('parameter:a > 1 && tag = "_finished_"', "records",
     'parameter:a > 1 && tag == "_finished_"', ()),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "dialect", "query", "words"), REWRITES)
def test_shorthand_is_rewritten_into_the_query_language(typed, dialect, query, words):
    understood = understand(typed, dialect)
    assert (understood.query, understood.words) == (query, words)
    assert understood.rewritten
    if query:
        parse(query, dialect)  # what runs is the query language itself


VALID = [
    "latest",
    "latest()",
    '"20170818-164830-33e0ab01"',
    'name == "x"',
    "parameter:a > 1 && parameter:b == true",
    "!(id == 'x') || single(name == \"y\")",
    "latest(parameter:x >= 1e3)",
    "this:a == environment:b",
    'tag == "x" && reason == "y"',
]


@pytest.mark.parametrize("text", VALID)
def test_valid_queries_are_never_rewritten(text):
    dialect = "records" if "tag ==" in text else "outpack"
    assert understand(text, dialect) == Understood(text, text)
    assert not understand(text, dialect).rewritten


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(queries(PACKET_LOOKUPS))
def test_generated_valid_queries_are_never_rewritten(tree):
    text = to_text(tree)
    assert understand(text, "outpack") == Understood(text, text)
    assert understand(text, "records") == Understood(text, text)


PROBLEMS = [
    # typed, the 1-based column of the problem, words of its message, the suggested fix
    ("seed=", 6, "Expected a value after `=`", None),
    ("=3", 1, "Expected a name before `=`", None),
    ("seed=3 &&", 10, "Expected a condition after `&&`", "parameter:seed == 3"),
    ("|| seed=3", 1, "Expected a condition before `||`", "parameter:seed == 3"),
    ("(seed=3", 1, "This `(` is never closed", "(parameter:seed == 3)"),
    ("seed=3)", 7, "This `)` closes no `(`", "parameter:seed == 3"),
    ('reason=="abc', 9, "This quote (\") is never closed", 'reason=="abc"'),
    ("seed == = 3", 9, "not another `=`", "parameter:seed == 3"),
    ("my-x=3", 1, "`my-x` can't be a parameter name", None),
    ("parameter:seed", 15, "`parameter:seed` needs a comparison", None),
    ("x=C:\\a", 3, "backslash", None),
    ("seed=3 !!n=1", 9, "Only one `!`", "parameter:seed == 3 && !(parameter:n == 1)"),
    ("ring || seed=3", 1, "text to look for", 'tag == "ring" || parameter:seed == 3'),
    ("(ring)", 2, "text to look for", '(tag == "ring")'),
    ("!ring", 2, "text to look for", '!tag == "ring"'),
    ('(a=1 && "b', 9, "never closed", '(parameter:a == 1 && tag == "b")'),
    ("nosuchfunction(x=1)", 1, "The query language can't read this", None),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "column", "message", "suggestion"), PROBLEMS)
def test_a_problem_says_where_and_suggests_a_fix(typed, column, message, suggestion):
    with pytest.raises(SearchProblem) as raised:
        understand(typed, "records")
    problem = raised.value
    assert (problem.line, problem.column) == (1, column)
    assert message in problem.message
    assert problem.suggestion == suggestion
    if suggestion is not None:
        understand(suggestion, "records")  # the suggestion itself can be run


def test_the_report_puts_a_caret_under_the_place():
    with pytest.raises(SearchProblem) as raised:
        understand("a=1 b= ", "records")
    assert str(raised.value).splitlines()[:3] == [
        "a=1 b= ",
        "       ^",
        "Column 8: Expected a value after `=`, as in `seed == 3`.",
    ]


def test_a_problem_on_a_later_line_gives_its_line_and_column():
    with pytest.raises(SearchProblem) as raised:
        understand("seed=3\n  && (n>1", "records")
    problem = raised.value
    assert (problem.line, problem.column, problem.source) == (2, 6, "  && (n>1")
    assert problem.report().splitlines()[1] == "     ^"


def test_deeply_nested_text_gets_the_parsers_own_error():
    text = "(" * 60 + "seed=3" + ")" * 60
    with pytest.raises(SearchProblem) as raised:
        understand(text, "records")
    assert "The query language can't read this" in raised.value.message
    assert "50 brackets" in raised.value.message


def test_long_text_is_not_read_as_shorthand():
    assert understand("x=1 " * 500, "records").query.count("parameter:x == 1") == 500
    with pytest.raises(SearchProblem) as raised:
        understand("x=1 " * 501, "records")
    assert "shorthand is read in searches of up to 2,000 characters" in raised.value.message
    assert raised.value.column == 1  # where the language stops: `x` is no lookup of its own


def test_as_text_writes_the_search_out_again():
    understood = understand('"higher rate" seed=3 stable', "records")
    assert understood.as_text() == 'parameter:seed == 3 "higher rate" stable'
    assert understand(understood.as_text(), "records") == Understood(
        understood.as_text(), "parameter:seed == 3", ("higher rate", "stable")
    )


SHORTHAND_PIECES = st.sampled_from(
    ["seed", "=", "==", ">", "3", "1e3", '"a b"', "'x'", "#t", "tag:", "(", ")", "&&", "||",
     "!", "and", "or", "not", "latest", "single", "id", "parameter:", "x", "-", ".5", '"', "\\",
     ":", " ", "\t"]
)  # fmt: skip


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(SHORTHAND_PIECES, max_size=12).map("".join), st.sampled_from(["records", "outpack"])
)
def test_any_text_is_understood_as_a_valid_query_or_refused_with_a_place(text, dialect):
    try:
        understood = understand(text, dialect)
    except SearchProblem as problem:
        assert 0 <= problem.position <= len(text)
        assert problem.column >= 1
        if problem.suggestion is not None:
            understand(problem.suggestion, dialect)  # a suggestion is always one that runs
        return
    if understood.query:
        parse(understood.query, dialect)
