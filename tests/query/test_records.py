"""The query language over Sumatra records: `GET /records/<p>/?q=` and `select_records`."""

import datetime
import json
from fractions import Fraction
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reprostore.lib.parameters import typed_value
from reprostore.query import ast as q
from reprostore.query import parse
from reprostore.records.models import Project, Record, RecordParameter, RecordTag
from reprostore.records.search import select_records
from tests.query.generate import LITERALS, PARAMETER_NAMES, PARAMETERS, queries, to_text
from tests.query.reference import Reference, Row, outcome
from tests.records.helpers import assert_error, get, project_records, put
from tests.support.records import record_body

# 07:00 UTC on 2024-05-06, in seconds since 1970.
SEVEN = 1714978800


def json_parameters(values):
    return {"type": "JSONParameterSet", "content": json.dumps(values)}


@pytest.fixture
def runs(client, cast):
    """Four records whose newest (by timestamp) does not have the greatest label."""

    def save(label, **changes):
        body = record_body(label, **changes)
        assert put(client, f"/records/Private/{label}/", body, cast.writer).status_code == 201

    save(
        "run-a",
        timestamp="2024-05-06 07:00:00+0000",
        outcome="fine",
        tags=["_finished_", "baseline"],
        parameters=json_parameters({"a": 1, "fast": True, "name": "ring"}),
    )
    save(
        "run-b",
        timestamp="2024-05-06 08:00:00+0000",
        outcome="diverged",
        tags=["_finished_"],
        parameters=json_parameters({"a": 3, "fast": False, "size": None, "at": SEVEN + 3600}),
    )
    save(
        "run-c",
        timestamp="2024-05-06 09:00:00+0000",
        reason="retry",
        main_file="other.py",
        tags=[],
        parameters={
            "type": "SimpleParameterSet",
            "content": f"a = 2.5\nname = 'ring'\nat = {SEVEN}",
        },
    )
    save("old-z", timestamp="2024-05-05 07:00:00+0000", outcome="fine", tags=["_running_"])
    # Another project's record, outside every query on Private.
    put(client, "/records/Public/run-x/", record_body("run-x"), cast.writer)
    return cast


def labels(client, user, query, tags=None):
    suffix = f"?q={quote(query, safe='')}" + (f"&tags={tags}" if tags else "")
    return sorted(project_records(client, "Private", user, suffix))


@pytest.mark.parametrize(
    "query, expected",
    [
        ('id == "run-a"', ["run-a"]),
        ('label == "run-a"', ["run-a"]),
        ('"run-b"', ["run-b"]),
        ('name == "main.py"', ["old-z", "run-a", "run-b"]),
        ('main_file == "other.py"', ["run-c"]),
        ('outcome == "fine"', ["old-z", "run-a"]),
        ('reason == "retry"', ["run-c"]),
        ('user == "Ann Example <ann@example.org>"', ["old-z", "run-a", "run-b", "run-c"]),
        ("parameter:a > 1", ["old-z", "run-b", "run-c"]),
        ("parameter:a == 1", ["run-a"]),
        ("parameter:fast == true", ["old-z", "run-a"]),
        ("parameter:fast == 1", []),
        ('parameter:name == "ring"', ["old-z", "run-a", "run-c"]),
        ("parameter:size == parameter:size", []),
        # Tags: a test holds if it holds for some tag; no tags is like a missing parameter.
        ('tag == "baseline"', ["run-a"]),
        ('tag == "_finished_"', ["run-a", "run-b"]),
        ('tag != "_finished_"', ["old-z", "run-a"]),
        ('!(tag == "_finished_")', ["old-z", "run-c"]),
        ('tag < "z"', []),
        ("tag != 1", ["old-z", "run-a", "run-b"]),
        ("tag == tag", ["old-z", "run-a", "run-b"]),
        ("tag != tag", ["run-a"]),
        ('tag == "baseline" && outcome == "fine"', ["run-a"]),
        # Timestamps are seconds since 1970 UTC, compared to the microsecond.
        (f"timestamp == {SEVEN}", ["run-a"]),
        (f"timestamp > {SEVEN}", ["run-b", "run-c"]),
        (f"timestamp >= {SEVEN + 3600}", ["run-b", "run-c"]),
        (f"timestamp < {SEVEN}", ["old-z"]),
        (f"timestamp == {SEVEN + 7200}", ["run-c"]),
        (f"timestamp == {SEVEN + 7200.5}", []),
        (f"timestamp > {SEVEN + 7200}", []),
        (f"timestamp <= {SEVEN + 7200}", ["old-z", "run-a", "run-b", "run-c"]),
        (f"timestamp < {SEVEN + 7200}.000001", ["old-z", "run-a", "run-b", "run-c"]),
        (f"timestamp > {SEVEN + 7199}.999999", ["run-c"]),
        ("timestamp > 1e400", []),
        ("timestamp > -1e400", ["old-z", "run-a", "run-b", "run-c"]),
        ("timestamp < 1e300", ["old-z", "run-a", "run-b", "run-c"]),
        ('timestamp == "2024-05-06 07:00:00"', []),
        ("timestamp == timestamp", ["old-z", "run-a", "run-b", "run-c"]),
        ("timestamp > parameter:a", ["old-z", "run-a", "run-b", "run-c"]),
        ("timestamp == parameter:at", ["run-b"]),
        ("parameter:at < timestamp", ["run-c"]),
        # `latest` is the most recent run, not the greatest label (old-z).
        ("latest", ["run-c"]),
        ('latest(outcome == "fine")', ["run-a"]),
        ('latest(tag == "nothing")', []),
        ('single(tag == "baseline")', ["run-a"]),
        ('!(id == "nothing")', ["old-z", "run-a", "run-b", "run-c"]),
    ],
)
def test_records_are_selected_by_query(client, runs, query, expected):
    assert labels(client, runs.reader, query) == expected


def test_the_tags_filter_narrows_the_universe(client, runs):
    assert labels(client, runs.reader, "latest", tags="_finished_") == ["run-b"]
    assert labels(client, runs.reader, '!(outcome == "fine")', tags="_finished_") == ["run-b"]


def test_latest_breaks_a_tie_in_timestamp_by_label(client, runs):
    body = record_body("run-d", timestamp="2024-05-06 09:00:00+0000")
    put(client, "/records/Private/run-d/", body, runs.writer)
    assert labels(client, runs.reader, "latest") == ["run-d"]


@pytest.mark.parametrize(
    "query, message",
    [
        ('single(outcome == "fine")', "Query found 2 records, but expected exactly one"),
        ("this:a == 1", "this parameters are not supported in this context"),
        ("environment:a == 1", "environment lookup is not supported in this context"),
        ("name = 'x'", "Encountered unknown infix operator: ="),
        ("tag", "expected infixFunction"),
    ],
)
def test_a_query_that_fails_is_a_400_with_its_message(client, runs, query, message):
    response = get(client, f"/records/Private/?q={quote(query, safe='')}", runs.reader)
    assert_error(response, 400, message)


def test_the_error_is_the_parser_report(client, runs):
    response = get(client, "/records/Private/?q=foo", runs.reader)
    assert json.loads(response.content)["error"] == str(parse_error("foo"))


def parse_error(text):
    with pytest.raises(ValueError) as raised:
        parse(text, dialect="records")
    return raised.value


def test_a_stranger_learns_nothing_from_a_query(client, runs):
    with_query = get(client, "/records/Private/?q=latest", runs.stranger)
    without = get(client, "/records/Private/", runs.stranger)
    assert with_query.status_code == without.status_code >= 400
    assert with_query.content == without.content


def test_select_records_keeps_the_order_and_takes_this(runs):
    records = Record.objects.filter(project__name="Private").order_by("-label")
    selected = select_records(records, "parameter:a > this:min", this={"min": 2})
    assert list(selected.values_list("label", flat=True)) == ["run-c", "run-b"]


# ---- generated records against the reference evaluator -----------------------------------

FIELDS = ["label", "main_file", "reason", "outcome", "version", "user", "timestamp", "tag"]
TEXTS = st.sampled_from(["", "a", "b", "main.py", "fine"])
MOMENTS = st.sampled_from(
    [
        datetime.datetime(2024, 5, 6, 7, 0, tzinfo=datetime.UTC),
        datetime.datetime(2024, 5, 6, 7, 0, 0, 500000, tzinfo=datetime.UTC),
        datetime.datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=datetime.UTC),
    ]
)
# Numbers at and around the generated moments, to the microsecond and beyond.
RECORD_LITERALS = st.one_of(
    LITERALS,
    st.builds(
        q.Literal,
        st.sampled_from([float(SEVEN), SEVEN + 0.5, SEVEN + 0.4999999, -0.999999, -1.0, 0.0]),
    ),
)
RECORD_LOOKUPS = st.one_of(
    st.sampled_from([q.LookupId(), q.LookupName()]),
    st.builds(q.LookupParameter, st.sampled_from(PARAMETER_NAMES)),
    st.builds(q.LookupField, st.sampled_from(FIELDS)),
)
RECORDS = st.lists(
    st.tuples(TEXTS, TEXTS, MOMENTS, st.lists(TEXTS, max_size=2, unique=True), PARAMETERS),
    max_size=6,
)


def seconds(moment):
    since = moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return Fraction(since.days * 86400 + since.seconds) + Fraction(since.microseconds, 10**6)


def store_records(project, generated):
    """The records, made with plain ORM calls, and their reference rows."""
    Record.objects.filter(project=project).delete()
    rows = []
    for position, (main_file, outcome_text, moment, tags, parameters) in enumerate(generated):
        label = f"r{position * 7 % 10}"
        record = Record.objects.create(
            project=project,
            label=label,
            timestamp=moment,
            body="{}",
            main_file=main_file,
            outcome=outcome_text,
        )
        RecordTag.objects.bulk_create(RecordTag(record=record, name=t) for t in tags)
        RecordParameter.objects.bulk_create(
            RecordParameter(record=record, name=n, **typed_value(v))
            for n, v in (parameters or {}).items()
        )
        fields = {
            "label": [label],
            "main_file": [main_file],
            "reason": [""],
            "outcome": [outcome_text],
            "version": [""],
            "user": [""],
            "timestamp": [seconds(moment)],
            "tag": tags,
        }
        rows.append(Row(label, main_file, parameters, fields, newest=(moment, label)))
    return rows


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=RECORDS, query=queries(RECORD_LOOKUPS, RECORD_LITERALS))
def test_sql_evaluation_equals_the_reference_for_records(db, generated, query):
    project, _ = Project.objects.get_or_create(name="generated")
    rows = store_records(project, generated)
    text = to_text(query)
    expected = outcome(Reference(rows, noun="record").ids, parse(text, dialect="records"))
    records = Record.objects.filter(project=project)
    actual = outcome(lambda: sorted(select_records(records, text).values_list("label", flat=True)))
    assert actual == expected, text
