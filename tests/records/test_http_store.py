"""Every HttpRecordStore method of the real sumatra 0.8.1 client against a live server."""

import json

import pytest
from sumatra.recordstore import serialization
from sumatra.recordstore.base import RecordStoreAccessError
from sumatra.recordstore.http_store import HttpRecordStore
from sumatra.recordstore.shelve_store import ShelveRecordStore

from tests.support.records import record_document
from tests.support.server import add_users

PASSWORD = "s3cret-pass-word"


@pytest.fixture(scope="module")
def server(live_server_module):
    add_users(
        live_server_module,
        {"ann": PASSWORD, "ben": PASSWORD},
        grants=[("ben", "Shared", "read"), ("ann", "Shared", "admin")],
    )
    return live_server_module


@pytest.fixture
def store(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # httplib2 keeps its cache in ./.cache
    return HttpRecordStore(f"http://ann:{PASSWORD}@127.0.0.1:{server.port}/records/")


def sumatra_record(label, **changes):
    return serialization.build_record(record_document(label, **changes))


def as_dict(record) -> dict:
    return json.loads(serialization.encode_record(record))


def test_projects(store):
    assert not store.has_project("Alpha")
    store.create_project("Alpha", "The alpha project", "first")
    assert store.has_project("Alpha")
    assert store.project_info("Alpha") == {"name": "The alpha project", "description": "first"}
    store.update_project_info("Alpha", "Renamed", "second")
    assert store.project_info("Alpha") == {"name": "Renamed", "description": "second"}
    assert "Alpha" in store.list_projects()
    with pytest.raises(RecordStoreAccessError):
        store.create_project("Alpha")  # the client demands 201, so an existing project raises


def test_save_and_get_every_field(store):
    original = sumatra_record(
        "2024-05-06T07:08:09",
        parameters={"type": "JSONParameterSet", "content": '{"a": 1, "b": {"c": [1, 2]}}'},
        diff="--- a\n+++ b\n" + "+x\n" * 1000,
        tags=["_finished_", "needs review", "c++"],
    )
    store.save("Beta", original)  # creates the project on the way
    fetched = store.get("Beta", "2024-05-06T07:08:09")
    assert as_dict(fetched) == as_dict(original)
    assert fetched.parameters.as_dict() == {"a": 1, "b": {"c": [1, 2]}}
    assert fetched.duration == 1.25 and fetched.output_data[0].digest.startswith("43a4")


def test_list_labels_tags_delete_and_most_recent(store):
    for label, stamp, tags in [
        ("r1", "2024-01-01 00:00:00+0000", ["alpha"]),
        ("r2", "2024-01-03 00:00:00+0000", ["alphabet", "old"]),
        ("r3", "2024-01-02 00:00:00+0000", ["old"]),
    ]:
        store.save("Gamma", sumatra_record(label, timestamp=stamp, tags=tags))
    assert store.labels("Gamma") == ["r2", "r3", "r1"]
    assert [r.label for r in store.list("Gamma", tags="alpha")] == ["r1"]
    assert sorted(store.labels("Gamma", tags=["alpha", "alphabet"])) == ["r1", "r2"]
    assert store.most_recent("Gamma") == "r2"
    store.delete("Gamma", "r2")
    assert store.most_recent("Gamma") == "r3"
    with pytest.raises(RecordStoreAccessError):
        store.delete("Gamma", "r2")
    with pytest.raises(KeyError):
        store.get("Gamma", "r2")
    assert store.delete_by_tag("Gamma", "old") == 1
    assert store.delete_by_tag("Gamma", "old") == 0
    assert store.labels("Gamma") == ["r1"]


def test_sync_from_a_local_store(store, tmp_path):
    local = ShelveRecordStore(str(tmp_path / "local.shelf"))
    for label in ("s1", "s2"):
        local.save("Delta", sumatra_record(label))
    store.save("Delta", sumatra_record("s0"))
    store.sync(local, "Delta")
    assert sorted(store.labels("Delta")) == ["s0", "s1", "s2"]
    assert sorted(local.labels("Delta")) == ["s0", "s1", "s2"]
    assert as_dict(store.get("Delta", "s1")) == as_dict(local.get("Delta", "s1"))


def test_wrong_password_and_missing_permission(server, store, tmp_path):
    store.save("Shared", sumatra_record("x"))
    wrong = HttpRecordStore(f"http://ann:nope@127.0.0.1:{server.port}/records/")
    assert not wrong.has_project("Shared")
    with pytest.raises(RecordStoreAccessError, match="401"):
        wrong.list_projects()
    reader = HttpRecordStore(f"http://ben:{PASSWORD}@127.0.0.1:{server.port}/records/")
    assert reader.labels("Shared") == ["x"]
    with pytest.raises(RecordStoreAccessError, match="403"):
        reader.save("Shared", sumatra_record("y"))
    with pytest.raises(RecordStoreAccessError, match="403"):
        reader.delete("Shared", "x")
    assert store.labels("Shared") == ["x"]
