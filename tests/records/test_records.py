"""PUT, GET and DELETE of records: storage, the smt lifecycle, revisions, big values."""

import json

import pytest

from reprostore.records.models import Record, RecordParameter, Revision
from tests.records.helpers import assert_error, delete, get, project_records, put
from tests.support.records import record_body, record_document

pytestmark = pytest.mark.django_db


def test_it_creates_then_updates_a_record(client, cast):
    url = "/records/Private/run1/"
    initial = record_body("run1", tags=["_initialized_"], dependencies=[], platforms=[], user="")
    assert put(client, url, initial, cast.writer).status_code == 201
    assert put(client, url, record_body("run1", tags=["_running_"]), cast.writer).status_code == 200
    response = get(client, url, cast.reader)
    assert response.status_code == 200
    assert json.loads(response.content) == record_document("run1", tags=["_running_"])


def test_get_returns_the_document_byte_for_byte(client, cast):
    body = json.dumps(record_document("exact"), indent=1, sort_keys=True).encode()
    put(client, "/records/Private/exact/", body, cast.writer)
    assert get(client, "/records/Private/exact/", cast.reader).content == body


def test_a_finished_record_keeps_its_provenance(client, cast):
    url = "/records/Private/done/"
    put(client, url, record_body("done", tags=["_finished_"]), cast.writer)
    changed = record_body(
        "done",
        tags=["_finished_", "reviewed"],
        outcome="worked",
        version="0000000000000000000000000000000000000000",
        datastore={"type": "FileSystemDataStore", "parameters": {"root": "/archive/Data"}},
    )
    assert put(client, url, changed, cast.writer).status_code == 200
    stored = json.loads(get(client, url, cast.reader).content)
    assert stored["outcome"] == "worked"
    assert stored["tags"] == ["_finished_", "reviewed"]
    assert stored["datastore"]["parameters"]["root"] == "/archive/Data"
    assert stored["version"] == record_document()["version"]
    actions = list(Revision.objects.filter(label="done").values_list("action", flat=True))
    assert actions == ["create", "frozen-update"]
    assert json.loads(Revision.objects.get(action="frozen-update").body)["version"].startswith(
        "0000"
    )


def test_every_accepted_put_is_a_revision(client, cast):
    for tag in ("_initialized_", "_pre_run_", "_running_", "_finished..._", "_finished_"):
        put(client, "/records/Private/life/", record_body("life", tags=[tag]), cast.writer)
    delete(client, "/records/Private/life/", cast.writer)
    revisions = Revision.objects.filter(label="life").order_by("created", "id")
    assert [r.action for r in revisions] == ["create"] + ["update"] * 4 + ["delete"]
    assert revisions[0].user == cast.writer
    assert json.loads(revisions[4].body)["tags"] == ["_finished_"]


@pytest.mark.parametrize(
    "label", ["2024-05-06T07:08:09", "a.b-c_d", "with space", "ünïcode", "x|y"]
)
def test_labels_with_colons_dots_and_dashes_work(client, cast, label):
    from urllib.parse import quote

    url = f"/records/Private/{quote(label, safe=':|')}/"
    assert put(client, url, record_body(label), cast.writer).status_code == 201
    assert json.loads(get(client, url, cast.reader).content)["label"] == label
    assert project_records(client, "Private", cast.reader) == [quote(label, safe=":@!$&'()*+,;=")]


def test_no_field_has_a_length_limit(client, cast):
    document = record_document(
        "big",
        diff="+" + "x" * 100_000,
        repository={
            "url": "https://example.org/" + "r" * 2000,
            "type": "GitRepository",
            "upstream": None,
        },
        stdout_stderr="y" * 5_000_000,
        tags=["t" * 300, "_finished_"] + [f"tag{i}" for i in range(100)],
        platforms=[
            dict(record_document()["platforms"][0], machine="m" * 200, system_name="s" * 200)
        ],
    )
    body = json.dumps(document).encode()
    assert len(body) > 5_000_000
    assert put(client, "/records/Private/big/", body, cast.writer).status_code == 201
    assert get(client, "/records/Private/big/", cast.reader).content == body


def test_parameters_are_indexed_with_their_types(client, cast):
    put(client, "/records/Private/p/", record_body("p"), cast.writer)
    values = {row.name: row.value for row in RecordParameter.objects.all()}
    assert values == {"a": 2.0, "name": "ring", "fast": True}


def test_delete_removes_a_record_and_404s_after(client, cast):
    put(client, "/records/Private/gone/", record_body("gone"), cast.writer)
    assert delete(client, "/records/Private/gone/", cast.writer).status_code == 204
    assert_error(delete(client, "/records/Private/gone/", cast.writer), 404, "gone")
    assert_error(get(client, "/records/Private/gone/", cast.reader), 404, "No such record")


def test_last_is_the_record_with_the_latest_timestamp(client, cast):
    put(
        client,
        "/records/Private/new/",
        record_body("new", timestamp="2024-06-01 00:00:00+0000"),
        cast.writer,
    )
    put(
        client,
        "/records/Private/old/",
        record_body("old", timestamp="2020-01-01 00:00:00+0000"),
        cast.writer,
    )
    assert json.loads(get(client, "/records/Private/last/", cast.reader).content)["label"] == "new"


def test_last_of_an_empty_project_is_404(client, cast):
    assert get(client, "/records/Private/last/", cast.reader).status_code == 404


def test_listing_is_newest_first_by_timestamp_with_offsets(client, cast):
    stamps = {
        "a": "2024-01-01 12:00:00+0200",
        "b": "2024-01-01 11:00:00+0000",
        "c": "2023-12-31 23:00:00",
    }
    for label, stamp in stamps.items():
        put(client, f"/records/Private/{label}/", record_body(label, timestamp=stamp), cast.writer)
    # a is 10:00 UTC, b 11:00 UTC, c the day before.
    assert project_records(client, "Private", cast.reader) == ["b", "a", "c"]


def test_listing_urls_are_absolute_and_use_the_request_host(client, cast):
    put(client, "/records/Private/r1/", record_body("r1"), cast.writer)
    response = get(client, "/records/Private/", cast.reader, HTTP_HOST="127.0.0.1:8123")
    document = json.loads(b"".join(response.streaming_content))
    assert document["records"] == ["http://127.0.0.1:8123/records/Private/r1/"]
    assert "access" not in document  # who holds grants is for the project's admins
    assert document["user"] == "bob"


def test_tag_filter_matches_whole_tags_and_is_a_union(client, cast):
    tags = {"r1": ["alpha"], "r2": ["alphabet"], "r3": ["c++", "needs review"], "r4": ["beta"]}
    for label, labels_tags in tags.items():
        put(client, f"/records/Private/{label}/", record_body(label, tags=labels_tags), cast.writer)
    assert project_records(client, "Private", cast.reader, "?tags=alpha") == ["r1"]
    assert sorted(project_records(client, "Private", cast.reader, "?tags=beta,c++")) == ["r3", "r4"]
    assert project_records(client, "Private", cast.reader, "?tags=needs%20review") == ["r3"]


def test_delete_by_tag_answers_the_count(client, cast):
    for label, tag in [("d1", "old"), ("d2", "old"), ("d3", "new")]:
        put(client, f"/records/Private/{label}/", record_body(label, tags=[tag]), cast.writer)
    response = delete(client, "/records/Private/tag/old/", cast.writer)
    assert (response.status_code, response.content) == (200, b"2")
    assert delete(client, "/records/Private/tag/none/", cast.writer).content == b"0"
    assert list(Record.objects.values_list("label", flat=True)) == ["d3"]
    assert Revision.objects.filter(action="delete").count() == 2
