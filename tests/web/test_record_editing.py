"""Correcting records on the pages (web/record_editing.py): reason, outcome, tags, deleting, and
tags of several records at once; who may, CSRF, and what stays frozen."""

import json
import re

import pytest
from django.test import Client

from tests.web.conftest import save

HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
EDIT = "/projects/Private/records/run-a/edit/"
DELETE = "/projects/Private/records/run-a/delete/"
TAGS = "/projects/Private/tags/"


def stored(project, label) -> dict:
    return json.loads(project.records.get(label=label).body)


def api_document(client, label, project="Private") -> dict:
    response = client.get(f"/records/{project}/{label}/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return json.loads(response.content)


def actions(project, label) -> list[str]:
    return list(
        project.revisions.filter(label=label).order_by("id").values_list("action", flat=True)
    )


def edit(client, **fields):
    data = {"reason": "why", "outcome": "it worked", "tags": "baseline"} | fields
    return client.post(EDIT, data)


@pytest.fixture
def writer(client, cast, records):
    client.force_login(cast.writer)
    return client


# Who sees the forms and who may post them


@pytest.mark.parametrize("who, sees", [("owner", True), ("writer", True), ("admin", True),
                                       ("reader", False)])  # fmt: skip
def test_only_those_who_may_write_see_the_forms(client, cast, records, who, sees):
    client.force_login(getattr(cast, who))
    page = client.get("/records/Private/run-a/", HTTP_ACCEPT=HTML).content.decode()
    assert (f'action="{EDIT}"' in page) is sees
    assert (f'action="{DELETE}"' in page) is sees
    assert ('href="#edit"' in page) is sees
    project_page = client.get("/records/Private/", HTTP_ACCEPT=HTML).content.decode()
    assert (f'formaction="{TAGS}"' in project_page) is sees


@pytest.mark.parametrize("url, data", [
    (EDIT, {"reason": "", "outcome": "vandalised", "tags": ""}),
    (DELETE, {"confirm": "yes"}),
    (TAGS, {"label": ["run-a", "run-b"], "add": "vandalised"}),
])  # fmt: skip
@pytest.mark.parametrize("who", ["reader", "stranger"])
def test_a_post_from_someone_who_may_not_write_is_refused_as_not_found(
    client, cast, records, who, url, data
):
    before = {record.label: record.body for record in records}
    client.force_login(getattr(cast, who))
    response = client.post(url, data)
    assert response.status_code == 404
    assert {record.label: record.body for record in cast.project.records.all()} == before
    assert cast.project.revisions.count() == 3
    assert client.get(TAGS, {"label": "run-a"}).status_code == 404


@pytest.mark.parametrize("url", [EDIT, DELETE, TAGS])
def test_anonymous_visitors_are_sent_to_log_in(client, records, url):
    response = client.post(url, {"outcome": "x", "confirm": "yes", "label": "run-a", "add": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert records.get(label="run-a").outcome == "fine"


def test_a_post_without_the_csrf_token_is_refused(cast, records):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.writer)
    assert browser.post(EDIT, {"outcome": "forged", "tags": ""}).status_code == 403
    assert browser.post(DELETE, {"confirm": "yes"}).status_code == 403
    assert browser.post(TAGS, {"label": "run-a", "add": "forged"}).status_code == 403
    assert records.get(label="run-a").outcome == "fine"
    page = browser.get("/records/Private/run-a/", HTTP_ACCEPT=HTML).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(EDIT, {"csrfmiddlewaretoken": token, "outcome": "real", "tags": ""})
    assert response.status_code == 302
    assert records.get(label="run-a").outcome == "real"


def test_get_is_not_a_way_to_edit(writer, records):
    assert writer.get(EDIT, {"outcome": "by GET"}).status_code == 405
    assert writer.get(DELETE, {"confirm": "yes"}).status_code == 405
    assert records.get(label="run-a").outcome == "fine"


# Editing one record


def test_editing_changes_the_document_the_api_returns_and_is_kept_as_a_revision(
    writer, cast, records
):
    response = edit(
        writer, reason="Check the\r\nbaseline", outcome="stable", tags="baseline\nreviewed"
    )
    assert response.status_code == 302 and response["Location"] == "/records/Private/run-a/"
    document = api_document(writer, "run-a")
    assert document["reason"] == "Check the\nbaseline"
    assert document["outcome"] == "stable"
    assert document["tags"] == ["_finished_", "baseline", "reviewed"]
    record = records.get(label="run-a")
    assert (record.outcome, record.reason) == ("stable", "Check the\nbaseline")
    assert sorted(record.tag_rows.values_list("name", flat=True)) == [
        "_finished_", "baseline", "reviewed",
    ]  # fmt: skip
    assert actions(cast.project, "run-a") == ["create", "edit"]
    revision = cast.project.revisions.filter(label="run-a").latest("id")
    assert revision.user == cast.writer and json.loads(revision.body) == document
    page = writer.get("/records/Private/run-a/", HTTP_ACCEPT=HTML)
    history = page.context["history"]
    assert history[-1]["changed"] == ["outcome", "reason", "tags"]
    assert "edit on the record page (reason, outcome, tags)" in page.content.decode()
    assert "Saved: reason, outcome, tags changed." in page.content.decode()


def test_provenance_stays_as_it_was(writer, cast, records):
    before = stored(cast.project, "run-a")
    edit(writer, outcome="new outcome", tags="")
    after = stored(cast.project, "run-a")
    for key in before.keys() - {"reason", "outcome", "tags"}:
        assert after[key] == before[key], key
    assert after["tags"] == ["_finished_"]
    assert records.get(label="run-a").final is True


@pytest.mark.parametrize("tags", ["baseline", "baseline\n_finished_", "_failed_\nbaseline"])
def test_status_tags_are_kept_and_can_be_neither_added_nor_removed(writer, cast, records, tags):
    response = edit(writer, outcome="changed", tags=tags)
    if "_f" in tags:
        follow = writer.get(response["Location"], HTTP_ACCEPT=HTML).content.decode()
        assert "is a status tag" in follow
        assert records.get(label="run-a").outcome == "fine"
        assert actions(cast.project, "run-a") == ["create"]
    else:
        assert stored(cast.project, "run-a")["tags"] == ["_finished_", "baseline"]
    assert records.get(label="run-a").final is True
    save(cast.owner, cast.project, "running", tags=[])
    writer.post("/projects/Private/records/running/edit/", {"outcome": "", "tags": "_finished_"})
    assert cast.project.records.get(label="running").final is False
    assert stored(cast.project, "running")["tags"] == []


def test_saving_without_a_change_writes_nothing(writer, cast, records):
    edit(writer, reason="test the store", outcome="fine", tags="baseline")
    assert actions(cast.project, "run-a") == ["create"]


def test_a_record_changed_meanwhile_is_not_overwritten(writer, cast, records):
    seen = cast.project.revisions.filter(label="run-a").latest("id").id
    save(cast.owner, cast.project, "run-a", outcome="from smt", tags=["_finished_", "baseline"])
    response = edit(writer, outcome="from the page", seen=seen)
    follow = writer.get(response["Location"], HTTP_ACCEPT=HTML).content.decode()
    assert "changed while you were editing it" in follow
    assert records.get(label="run-a").outcome == "from smt"
    latest = cast.project.revisions.filter(label="run-a").latest("id").id
    edit(writer, outcome="from the page", seen=latest)
    assert records.get(label="run-a").outcome == "from the page"


@pytest.mark.parametrize("tags, message", [
    ("a\tb", "holds a control character"),
    ("x" * 101, "longer than 100 characters"),
])  # fmt: skip
def test_bad_tags_are_refused_with_a_message(writer, records, tags, message):
    response = edit(writer, tags=tags)
    assert message in writer.get(response["Location"], HTTP_ACCEPT=HTML).content.decode()
    assert records.get(label="run-a").outcome == "fine"


def test_tags_may_be_separated_by_commas_or_lines(writer, cast, records):
    edit(writer, tags="one, two\nthree\n\none")
    assert stored(cast.project, "run-a")["tags"] == ["_finished_", "one", "two", "three"]


def test_editing_an_unknown_record_is_not_found(writer):
    assert writer.post("/projects/Private/records/nope/edit/", {"tags": ""}).status_code == 404


# Deleting


def test_deleting_needs_the_box_ticked(writer, cast, records):
    response = writer.post(DELETE, {})
    assert response["Location"] == "/records/Private/run-a/#delete"
    assert records.filter(label="run-a").exists()
    response = writer.post(DELETE, {"confirm": "yes"})
    assert response["Location"] == "/records/Private/"
    assert not records.filter(label="run-a").exists()
    assert actions(cast.project, "run-a") == ["create", "delete"]
    revision = cast.project.revisions.filter(label="run-a").latest("id")
    assert revision.user == cast.writer
    missing = writer.get("/records/Private/run-a/", HTTP_ACCEPT="application/json")
    assert missing.status_code == 404


# Tags of several records


def test_the_tag_page_lists_the_ticked_records(writer, records):
    page = writer.get(TAGS, {"label": ["run-a", "run-c", "gone"]})
    assert [record.label for record in page.context["records"]] == ["run-c", "run-a"]
    assert page.context["missing"] == 1
    assert '<input type="hidden" name="label" value="run-a">' in page.content.decode()
    nothing = writer.get(TAGS)
    assert nothing.status_code == 302 and nothing["Location"] == "/records/Private/"


def test_tags_are_added_and_removed_on_several_records(writer, cast, records):
    response = writer.post(
        TAGS, {"label": ["run-a", "run-b", "run-c"], "add": "paper, checked", "remove": "baseline"}
    )
    assert response["Location"] == "/records/Private/"
    assert stored(cast.project, "run-a")["tags"] == ["_finished_", "paper", "checked"]
    assert stored(cast.project, "run-b")["tags"] == ["_finished_", "paper", "checked"]
    assert api_document(writer, "run-c")["tags"] == ["_finished_", "paper", "checked"]
    for label in ("run-a", "run-b", "run-c"):
        assert actions(cast.project, label) == ["create", "tag"]
    rows = records.get(label="run-b").tag_rows.order_by("name")
    assert list(rows.values_list("name", flat=True)) == ["_finished_", "checked", "paper"]
    page = writer.get("/records/Private/", HTTP_ACCEPT=HTML).content.decode()
    assert "Changed the tags of 3 records." in page
    assert "/records/Private/?tags=checked" in page  # the tag filter knows the new tag


def test_records_already_tagged_are_left_alone(writer, cast, records):
    writer.post(TAGS, {"label": ["run-a", "run-c"], "add": "baseline"})
    assert actions(cast.project, "run-a") == ["create"]
    assert actions(cast.project, "run-c") == ["create", "tag"]


@pytest.mark.parametrize("data, message", [
    ({"label": ["run-a"], "add": "_finished_"}, "is a status tag"),
    ({"label": ["run-a"], "remove": "_finished_"}, "is a status tag"),
    ({"label": ["run-a"], "add": "x", "remove": "x"}, "both to add and to remove"),
    ({"label": ["run-a"]}, "Name a tag to add or to remove"),
])  # fmt: skip
def test_mistakes_in_the_tag_form_change_nothing(writer, cast, records, data, message):
    response = writer.post(TAGS, data)
    assert response["Location"] == f"{TAGS}?label=run-a"
    assert message in writer.get(response["Location"]).content.decode()
    assert actions(cast.project, "run-a") == ["create"]
