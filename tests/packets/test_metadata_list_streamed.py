"""GET /outpack/metadata/list as it is written since issue 13 (stored entries, streamed in
chunks): byte for byte what the listing wrote before, for every caller."""

import json

import pytest

from reprostore.packets import index, responses
from reprostore.packets.models import Packet, PacketLocation
from reprostore.packets.root import open_root
from tests.support.packet_access import grant_packets

from .conftest import failure
from .test_reindex import generated_root, serve


def listing_before_issue_13(root, readable_names=None):
    """REFERENCE: the body the listing wrote before issue 13 (a copy of the old code): every
    row through the ORM, sorted in Python, one `json.dumps` of the whole envelope."""
    position = {name: i for i, name in enumerate(root.locations)}
    rows = PacketLocation.objects.values_list("location", "packet", "time", "hash")
    rows = sorted(rows, key=lambda r: (position.get(r[0], len(position)), r[0], r[1]))
    listing = [{"packet": packet, "time": time, "hash": hash} for _, packet, time, hash in rows]
    if readable_names is not None:
        ids = set(Packet.objects.filter(name__in=readable_names).values_list("id", flat=True))
        listing = [entry for entry in listing if entry["packet"] in ids]
    body = {"status": "success", "data": listing, "errors": None}
    return json.dumps(body).encode()


def body_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def generated(settings, tmp_path, db):
    return serve(settings, generated_root(tmp_path / "generated", 60))


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 7 entries, streamed past the first 500 characters: a small root goes out as
    a long one does."""
    monkeypatch.setattr(index, "BATCH", 7)
    monkeypatch.setattr(responses, "STREAM_ABOVE", 500)


def test_a_streamed_listing_is_byte_for_byte_the_old_one(client, generated, small_chunks):
    response = client.get("/outpack/metadata/list")
    assert response.streaming
    assert body_of(response) == listing_before_issue_13(open_root(generated))
    # The example's 4 entries, then 60 local, 20 in `another` and 12 in an unnamed location.
    assert len(json.loads(body_of(client.get("/outpack/metadata/list")))["data"]) == 96


def test_a_short_listing_goes_out_whole_and_the_same(client, generated):
    response = client.get("/outpack/metadata/list")
    assert not response.streaming
    assert response["Content-Length"] == str(len(response.content))
    assert response.content == listing_before_issue_13(open_root(generated))


@pytest.mark.parametrize("stream", [False, True])
def test_a_reader_of_one_name_gets_the_old_narrowed_listing(
    request, client, generated, settings, stream
):
    if stream:
        request.getfixturevalue("small_chunks")
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
    grant_packets(None, "read", "x")
    body = body_of(client.get("/outpack/metadata/list"))
    assert body == listing_before_issue_13(open_root(generated), readable_names=["x"])
    assert len(json.loads(body)["data"]) > 7


def test_an_empty_listing_is_the_old_empty_listing(client, empty_root):
    assert body_of(client.get("/outpack/metadata/list")) == listing_before_issue_13(
        open_root(empty_root)
    )


def test_entries_added_by_a_sync_are_listed_as_before(client, generated, small_chunks):
    """Rows made one at a time (a push, a sync) store the same entry text as a reindex."""
    client.get("/outpack/metadata/list")
    entry = {"packet": "20240101-000000-00000000", "time": 1, "hash": "md5:" + "1" * 32}
    (generated / ".outpack" / "location" / "aaa").mkdir()
    (generated / ".outpack" / "location" / "aaa" / entry["packet"]).write_text(json.dumps(entry))
    index.forget_sync_state()
    body = body_of(client.get("/outpack/metadata/list"))
    assert body == listing_before_issue_13(open_root(generated))
    assert b'{"packet": "20240101-000000-00000000", "time": 1.0, "hash": "md5:111' in body


def test_a_database_that_fails_is_still_an_envelope(client, generated, monkeypatch):
    from django.db import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr(index, "indexed_locations", down)
    error = failure(client.get("/outpack/metadata/list"), 503)
    assert "the database is down" in error["detail"]
