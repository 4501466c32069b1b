"""Lineage over Sumatra records: a record that read a file with the digest of a file another
record of the project wrote used that record. The digest index (RecordData), `usedby`/`uses`
in the records' query language, `records.lineage.lineage_edges`, and the backfill migration."""

import importlib
import json
from urllib.parse import quote

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reprostore.query import parse
from reprostore.records.lineage import data_rows, lineage_edges
from reprostore.records.models import Record, RecordData
from reprostore.records.operations import do_save_record
from reprostore.records.search import select_records
from tests.conftest import basic_auth
from tests.query.lineage_reference import OrderlyReference, lineage_queries, orderly_text
from tests.query.reference import Row, outcome
from tests.records.helpers import project_records
from tests.support.records import record_document

backfill = importlib.import_module("reprostore.records.migrations.0004_record_data_digests")


def data(paths_and_digests):
    return [{"path": p, "digest": d, "metadata": {}} for p, d in paths_and_digests]


def document(label, reads=(), writes=(), **changes):
    body = record_document(label, **changes)
    body["input_data"] = data((f"in/{digest}", digest) for digest in reads)
    body["output_data"] = data((f"{label}/{digest}", digest) for digest in writes)
    return body


def save(project, label, reads=(), writes=(), **changes):
    body = json.dumps(document(label, reads, writes, **changes)).encode()
    do_save_record(project.created_by, project, label, body)


def stamp(minute):
    return f"2024-05-06 07:{minute:02d}:00+0000"


@pytest.fixture
def pipeline(cast):
    """raw -> clean -> fit -> plot in Private, with `report` reading fit and clean as well;
    `elsewhere` in Public reads what plot wrote and writes what raw reads."""
    project = cast.project
    save(project, "raw", reads=["d0"], writes=["d1"], timestamp=stamp(1))
    save(project, "clean", reads=["d1"], writes=["d2"], timestamp=stamp(2))
    save(project, "fit", reads=["d2"], writes=["d3", "d4"], timestamp=stamp(3), main_file="fit.py")
    save(project, "plot", reads=["d3"], writes=["d5"], timestamp=stamp(4))
    save(project, "report", reads=["d4", "d2"], writes=[], timestamp=stamp(5))
    save(cast.public, "elsewhere", reads=["d5"], writes=["d0"], timestamp=stamp(6))
    return cast


def labels(query, project, **options):
    records = Record.objects.filter(project=project)
    return sorted(select_records(records, query, **options).values_list("label", flat=True))


@pytest.mark.parametrize(
    "query, expected",
    [
        ('usedby("plot")', ["clean", "fit", "raw"]),
        ('usedby("plot", 1)', ["fit"]),
        ('usedby("report", 1)', ["clean", "fit"]),
        ('uses("raw")', ["clean", "fit", "plot", "report"]),
        ('uses("raw", 1)', ["clean"]),
        ('uses("clean", 1)', ["fit", "report"]),
        ('uses("fit", depth = 1.5)', ["plot", "report"]),
        ('uses("plot")', []),  # only `elsewhere` read it, in another project
        ('usedby("raw")', []),  # `elsewhere` wrote what raw read, in another project
        ('uses("nope")', []),
        # Starts as queries: the label is the id.
        ('usedby(label == "fit")', ["clean", "raw"]),
        ('usedby(id == "fit", 1)', ["clean"]),
        ("usedby(latest())", ["clean", "fit", "raw"]),  # latest is the newest run: report
        ('latest(uses(single(main_file == "fit.py")))', ["report"]),
        ('uses(latest(name == "main.py"))', []),
        ('usedby(latest()) && name == "main.py"', ["clean", "raw"]),
        ('!uses("clean")', ["clean", "raw"]),
        ('uses({latest(label == "raw")}, 2) && tag == "_finished_"', ["clean", "fit", "report"]),
    ],
)
def test_records_lineage_follows_the_digests(pipeline, query, expected):
    assert labels(query, pipeline.project) == expected


def test_named_subqueries_for_records(pipeline):
    subqueries = {"FIT": 'single(main_file == "fit.py")'}
    assert labels("uses({FIT})", pipeline.project, subqueries=subqueries) == ["plot", "report"]


def test_the_records_api_answers_lineage_queries(client, pipeline):
    query = quote('uses("clean", 1)', safe="")
    found = project_records(client, "Private", pipeline.reader, f"?q={query}")
    assert sorted(found) == ["fit", "report"]


def test_the_records_api_explains_a_misuse(client, pipeline):
    query = quote('usedby(tag == "x")', safe="")
    response = client.get(
        f"/records/Private/?q={query}",
        HTTP_ACCEPT="application/json",
        **basic_auth(pipeline.reader.username),
    )
    assert response.status_code == 400
    assert "usedby must be called on an expression guaranteed" in response.json()["error"]


def test_the_strict_records_dialect_refuses_lineage(pipeline):
    with pytest.raises(ValueError, match="expected query"):
        labels('usedby("plot")', pipeline.project, dialect="records")


def test_a_record_reading_its_own_output_does_not_use_itself(cast):
    save(cast.project, "loop", reads=["d9"], writes=["d9"])
    assert labels('usedby("loop")', cast.project) == []


def test_two_records_that_read_each_other_s_files_end(cast):
    save(cast.project, "ping", reads=["a"], writes=["b"])
    save(cast.project, "pong", reads=["b"], writes=["a"])
    assert labels('usedby("ping")', cast.project) == ["ping", "pong"]
    assert labels('usedby("ping", 1e9)', cast.project) == ["ping", "pong"]
    assert labels('uses("pong", 1)', cast.project) == ["ping"]
    assert lineage_edges(cast.project, ["ping"], up=None, down=None)[0] == [
        ("ping", "pong"),
        ("pong", "ping"),
    ]


# ---- the digest index -----------------------------------------------------------------------


def digests(record_label):
    rows = RecordData.objects.filter(record__label=record_label)
    return sorted(rows.values_list("role", "path", "digest"))


def test_saving_a_record_indexes_its_digests(cast):
    save(cast.project, "r", reads=["a", "b"], writes=["c"])
    assert digests("r") == [
        ("input", "in/a", "a"),
        ("input", "in/b", "b"),
        ("output", "r/c", "c"),
    ]


def test_a_resave_replaces_the_digests(cast):
    save(cast.project, "r", reads=["a"], writes=["c"], tags=["_running_"])
    save(cast.project, "r", reads=["b"], writes=[], tags=["_running_"])
    assert digests("r") == [("input", "in/b", "b")]


def test_a_finished_record_keeps_its_inputs_and_takes_new_outputs(cast):
    save(cast.project, "r", reads=["a"], writes=["c"])  # finished: provenance is frozen
    save(cast.project, "r", reads=["z"], writes=["moved"])
    assert digests("r") == [("input", "in/a", "a"), ("output", "r/moved", "moved")]


def test_inputs_without_digests_are_left_out(cast):
    body = document("old", writes=["c"])
    body["input_data"] = ["/a/bare/path", {"path": "empty", "digest": "", "metadata": {}}]
    do_save_record(cast.owner, cast.project, "old", json.dumps(body).encode())
    assert digests("old") == [("output", "old/c", "c")]
    assert data_rows({"input_data": None, "output_data": None}) == []


def test_the_migration_indexes_records_stored_before_it(cast):
    save(cast.project, "raw", reads=["a"], writes=["b"])
    save(cast.public, "other", reads=["b"], writes=["c", "d"])
    before = sorted(RecordData.objects.values_list("record_id", "role", "path", "digest"))
    RecordData.objects.all().delete()
    # A record stored with a byte-order mark, as some were before those were refused.
    Record.objects.filter(label="raw").update(body="\ufeff" + Record.objects.get(label="raw").body)
    backfill.index_stored_digests(apps, None)
    after = sorted(RecordData.objects.values_list("record_id", "role", "path", "digest"))
    assert after == before and len(after) == 5


# ---- lineage_edges ----------------------------------------------------------------------------


def test_record_edges_around_a_record(pipeline):
    project = pipeline.project
    assert lineage_edges(project, ["fit"], up=1, down=1) == (
        [("fit", "clean"), ("plot", "fit"), ("report", "fit")],
        False,
    )
    edges, truncated = lineage_edges(project, ["fit"], up=None, down=None, limit=2)
    assert truncated and set(edges) <= {("fit", "clean"), ("plot", "fit"), ("report", "fit")}
    everything, _ = lineage_edges(project, ["raw"], up=0, down=None)
    assert set(everything) == {
        ("clean", "raw"),
        ("fit", "clean"),
        ("report", "clean"),
        ("plot", "fit"),
        ("report", "fit"),
    }
    assert lineage_edges(project, ["nope"], up=None, down=None) == ([], False)
    # Another project's records are never part of it.
    assert lineage_edges(pipeline.public, ["elsewhere"], up=None, down=None) == ([], False)


# ---- generated records against orderly's semantics ----------------------------------------

LABELS = ["r0", "r1", "r2", "r3", "r4", "r5"]
DIGESTS = ["d1", "d2", "d3", "d4"]
FILES = ["main.py", "other.py"]


@st.composite
def projects(draw):
    count = draw(st.integers(1, 6))
    files = st.lists(st.sampled_from(DIGESTS), max_size=2, unique=True)
    return [
        (
            LABELS[n],
            draw(files),
            draw(files),
            draw(st.integers(0, 3)),  # timestamps tie sometimes: latest then takes the label
            draw(st.sampled_from(FILES)),
        )
        for n in range(count)
    ]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=projects(), query=lineage_queries([*LABELS, "nope"], FILES))
def test_sql_evaluation_equals_orderly_semantics_for_records(cast, records, query):
    Record.objects.all().delete()
    # A record of another project reads and writes every digest: it must never take part.
    save(cast.public, "outsider", reads=DIGESTS, writes=DIGESTS)
    for label, reads, writes, minute, main_file in records:
        save(cast.project, label, reads, writes, timestamp=stamp(minute), main_file=main_file)
    rows = [
        Row(label, main_file, None, newest=(minute, label))
        for label, _, _, minute, main_file in records
    ]
    depends = {
        user: [
            used for used, _, writes, _, _ in records if used != user and set(reads) & set(writes)
        ]
        for user, reads, _, _, _ in records
    }
    text = orderly_text(query)
    reference = OrderlyReference(rows, depends, noun="record")
    expected = outcome(reference.ids, parse(text, "records-orderly"))
    assert outcome(labels, text, cast.project) == expected, text
