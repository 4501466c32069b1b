"""The records table's parameter columns (union, chooser, sort) and the records' status."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.web.conftest import save

# label: (parameters, tags), saved in this order (so record ids follow it).
SWEEP = {
    "two": ({"seed": 2, "n": 100, "sumatra_label": "two"}, ["_finished_"]),
    "ten": ({"seed": 10, "n": 50}, ["_failed_", "paper"]),
    "half": ({"seed": 2.5, "model": "lif"}, ["_running_"]),
    "lower": ({"seed": "abc"}, ["_killed_"]),
    "upper": ({"seed": "Zed"}, ["_finished..._"]),
    "true": ({"seed": True}, ["_crashed_"]),
    "null": ({"seed": None}, ["_succeeded_"]),
    "tie": ({"seed": 2}, ["_pre_run_"]),
    "without": ({"n": 3}, []),
    "none": ({}, ["paper"]),
}
# Numbers, then strings by code point ("Z" < "a"), booleans, other values, then no value; ties
# (and records without the parameter) by record id.
ASCENDING = ["two", "tie", "half", "ten", "upper", "lower", "true", "null", "without", "none"]
DESCENDING = ["ten", "half", "tie", "two", "lower", "upper", "true", "null", "none", "without"]


def parameters(values: dict) -> dict:
    return {"type": "JSONParameterSet", "content": json.dumps(values)}


@pytest.fixture
def sweep(cast):
    for minute, (label, (values, tags)) in enumerate(SWEEP.items()):
        save(
            cast.owner,
            cast.project,
            label,
            timestamp=f"2024-05-06 07:{minute:02}:00+0000",
            parameters=parameters(values),
            tags=tags,
        )
    return cast.project


@pytest.fixture
def page(client, html, cast, sweep):
    client.force_login(cast.reader)
    return html


def labels_on(response) -> list[str]:
    return [record.label for record in response.context["page"].object_list]


def headings(response) -> list[str]:
    return [name for _, name in response.context["parameter_columns"]]


def test_the_columns_are_the_union_of_the_projects_parameters_without_bookkeeping(page):
    response = page("/records/Private/")
    assert response.context["parameter_names"] == ["model", "n", "seed", "sumatra_label"]
    assert headings(response) == ["model", "n", "seed"]
    body = response.content.decode()
    assert 'href="?sort=parameter:seed">seed</a></th>' in body
    assert '<td class="parameter num" data-label="n">100</td>' in body
    assert '<td class="parameter" data-label="model">lif</td>' in body


def test_a_new_parameter_gets_a_column_after_the_next_write(page, cast):
    assert "tau" not in headings(page("/records/Private/"))
    save(cast.owner, cast.project, "later", parameters=parameters({"tau": 0.5}))
    assert "tau" in headings(page("/records/Private/"))


def test_the_names_come_from_the_index_in_one_query_and_no_document_is_read(page):
    with CaptureQueriesContext(connection) as queries:
        page("/records/Private/?sort=parameter:seed")
    sql = [query["sql"] for query in queries]
    assert sum("DISTINCT" in statement and "recordparameter" in statement for statement in sql) == 1
    assert not any('"records_record"."body"' in statement for statement in sql)


@pytest.mark.parametrize(
    "value, shown",
    [
        ("seed,sumatra_label", ["seed", "sumatra_label"]),
        ("n,seed", ["n", "seed"]),
        ("seed,nonsense,seed", ["seed"]),
        ("", []),
    ],
)
def test_columns_chosen_in_the_url_are_shown_in_its_order(page, value, shown):
    assert headings(page(f"/records/Private/?columns={value}")) == shown


def test_the_chooser_answer_becomes_one_value_that_every_link_keeps(page):
    # What the chooser's form sends: an empty `columns` (so that ticking none still counts),
    # then one per ticked box.
    response = page("/records/Private/?q=&tags=paper&columns=&columns=n&columns=sumatra_label")
    assert response.status_code == 302
    assert response["Location"] == "/records/Private/?q=&tags=paper&columns=n,sumatra_label"
    response = page(response["Location"])
    assert headings(response) == ["n", "sumatra_label"]
    body = response.content.decode()
    assert 'href="?q=&amp;tags=paper&amp;columns=n,sumatra_label&amp;sort=label"' in body
    assert 'value="sumatra_label" checked' in body
    assert 'value="seed">' in body  # offered, not ticked


def test_ticking_no_box_shows_no_parameter_columns(page):
    response = page("/records/Private/?columns=")
    assert response.status_code == 200
    assert headings(response) == []


@pytest.mark.parametrize(
    "key, expected", [("parameter:seed", ASCENDING), ("-parameter:seed", DESCENDING)]
)
def test_a_parameter_sorts_numbers_then_strings_then_the_rest_then_missing(page, key, expected):
    response = page(f"/records/Private/?sort={key}")
    assert labels_on(response) == expected
    assert response.context["sort"] == key


def test_the_sorted_heading_is_marked_and_toggles(page):
    body = page("/records/Private/?sort=parameter:seed").content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-parameter:seed">seed' in body
    body = page("/records/Private/?sort=-parameter:seed").content.decode()
    assert 'aria-sort="descending"><a href="?sort=parameter:seed">seed' in body


def test_a_parameter_the_project_lacks_sorts_by_the_default(page):
    response = page("/records/Private/?sort=parameter:nonsense")
    assert response.context["sort"] == "-timestamp"
    assert labels_on(response)[0] == "none"


def without(labels: list[str]) -> list[str]:
    """The sweep's other records, in the order they were saved (their ids)."""
    return [label for label in SWEEP if label not in labels]


@pytest.mark.parametrize(
    "name, descending, expected",
    [
        ("seed", False, ASCENDING),
        ("seed", True, DESCENDING),
        ("n", False, ["without", "ten", "two", *without(["without", "ten", "two"])]),
        ("n", True, ["two", "ten", "without", *without(["without", "ten", "two"])[::-1]]),
        ("model", False, ["half", *without(["half"])]),  # no number: strings come first
        ("nonsense", True, list(SWEEP)[::-1]),
    ],
)
def test_every_slice_of_a_parameter_sort_agrees_with_the_whole(
    cast, sweep, name, descending, expected
):
    """The pager asks for windows that start and end inside any kind of value, or past one
    that is empty."""
    from reprostore.web.parameter_columns import ByParameter
    from reprostore.web.record_display import table_records

    ordered = ByParameter(cast.project.records.all(), name, descending, table_records)
    assert ordered.count() == len(expected)
    for start in range(len(expected) + 1):
        for stop in range(start, len(expected) + 2):
            labels = [record.label for record in ordered[start:stop]]
            assert labels == expected[start:stop], (start, stop)


def test_a_parameter_sort_keeps_the_search_and_the_tag_filter(page):
    response = page("/records/Private/?sort=-parameter:seed&q=parameter:n+%3E+10")
    assert labels_on(response) == ["ten", "two"]
    response = page("/records/Private/?sort=parameter:seed&tags=paper")
    assert labels_on(response) == ["ten", "none"]


STATUSES = {
    "two": "finished",
    "ten": "failed",
    "half": "running",
    "lower": "killed",
    "upper": "running",  # still gathering its output
    "true": "failed",  # `smt tag _crashed_`
    "null": "finished",  # `smt tag _succeeded_`
    "tie": "running",
    "without": "unknown",
    "none": "unknown",
}
MARKS = {"finished": "●", "failed": "✕", "running": "▲", "killed": "■", "unknown": "◆"}


def test_each_record_shows_its_status_as_a_mark_and_a_word(page):
    response = page("/records/Private/")
    shown = {row["label"]: row["status"] for row in response.context["rows"]}
    assert {label: status["key"] for label, status in shown.items()} == STATUSES
    body = response.content.decode()
    for status, mark in MARKS.items():
        word = "no status" if status == "unknown" else status
        assert (
            f'<span class="status-mark status-{status}"><span aria-hidden="true">{mark}</span> '
            f"{word}</span>" in body
        )
    assert '<tr class="status-failed">' in body


def test_status_tags_leave_the_tags_column_to_the_persons_own(page):
    rows = {row["label"]: row["tags"] for row in page("/records/Private/").context["rows"]}
    assert [name for name, _ in rows["ten"]] == ["paper"]
    assert rows["two"] == []


@pytest.mark.parametrize(
    "status",
    ["finished", "failed", "running", "killed", "failed,killed"],
)
def test_the_status_filter(page, status):
    response = page(f"/records/Private/?status={status}&sort=label")
    wanted = status.split(",")
    expected = sorted(label for label, given in STATUSES.items() if given in wanted)
    assert labels_on(response) == expected


def test_the_status_filter_counts_and_marks_the_choice(page):
    response = page("/records/Private/?status=failed")
    statuses = response.context["statuses"]
    choices = {choice["key"]: (choice["count"], choice["chosen"]) for choice in statuses}
    assert choices == {
        "finished": (2, False),
        "failed": (2, True),
        "running": (3, False),
        "killed": (1, False),
    }
    body = response.content.decode()
    assert 'aria-current="true"><span aria-hidden="true">✕</span> failed' in body
    assert '<a class="tag" href="/records/Private/?" aria-current' not in body  # "any" not lit


def test_an_unknown_status_filters_nothing(page):
    assert len(labels_on(page("/records/Private/?status=lost"))) == len(SWEEP)


def test_the_json_listing_ignores_the_tables_parameters(client, cast, sweep):
    client.force_login(cast.reader)

    def listing(query):
        response = client.get(f"/records/Private/{query}", HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        return json.loads(b"".join(response.streaming_content))

    plain = listing("")
    assert set(plain) == {"id", "name", "description", "user", "tags", "records"}
    assert len(plain["records"]) == len(SWEEP)
    assert listing("?sort=parameter:seed&columns=seed&status=failed") == plain
    assert listing("?columns=&columns=seed") == plain  # no redirect for the client


@pytest.mark.sqlite
def test_sqlite_sorts_through_the_index_and_the_search_does_not_use_it(cast, sweep):
    """The sort reads the page's rows from the sort index without sorting; the search's
    EXISTS per record keeps to the (record, name) index (one starting with the name would make
    it quadratic, see records/models.py)."""
    from reprostore.records.search import select_records
    from reprostore.web.parameter_columns import ByParameter
    from reprostore.web.record_display import table_records

    records = cast.project.records.all()
    for descending in (False, True):
        ordered = ByParameter(records, "seed", descending, table_records)
        for part in list(ordered.parts())[:4]:
            plan = part[:50].explain()
            assert "record_parameter_sort" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
    searched = select_records(records, 'parameter:n > 10 && parameter:model == "lif"')
    plan = searched.values("pk").explain()
    assert "record_parameter_lookup" in plan and "record_parameter_sort" not in plan, plan
