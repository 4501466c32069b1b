"""Metadata the index or a client could not take back is refused before anything is written, and
a refused or failed push leaves disk and index agreeing (issue 12)."""

import json

import pytest

from reprostore.packets import index
from reprostore.packets.models import Packet, PacketLocation
from reprostore.packets.root import open_root

from .conftest import JSON, failure, packet_metadata, sha256, success

NEW_ID = "20240101-120000-0123abcd"


def push_packet(client, body):
    return client.generic("POST", f"/outpack/packet/{sha256(body)}", body)


def assert_nothing_written(root, packet_id=NEW_ID):
    outpack = root / ".outpack"
    assert not (outpack / "metadata" / packet_id).exists()
    assert not (outpack / "location" / "local" / packet_id).exists()
    assert not Packet.objects.filter(id=packet_id).exists()
    assert not PacketLocation.objects.filter(packet=packet_id).exists()
    assert not [p for p in outpack.iterdir() if p.name.startswith(".tmp-")]


def assert_store_still_answers(client):
    success(client.get("/outpack/metadata/list"))
    success(client.get("/outpack/packit/metadata"))
    success(client.get("/outpack/query", {"q": "latest"}))
    for url in ("/packets/", "/"):
        assert client.get(url).status_code == 200, url
    for packet in Packet.objects.all():
        assert client.get(f"/packets/{packet.name}/{packet.id}/").status_code == 200
        success(client.get(f"/outpack/metadata/{packet.id}/json"))


def metadata_text(**extra) -> str:
    return packet_metadata(NEW_ID, **extra).decode()


def with_value(json_text: str) -> str:
    """Metadata whose parameter `n` is written as `json_text`."""
    return metadata_text(parameters={"n": "VALUE"}).replace('"VALUE"', json_text)


@pytest.mark.parametrize(
    "text, fragment",
    [
        (with_value("1e400"), "not a finite number"),
        (with_value("NaN"), "NaN is not valid JSON"),
        (with_value("-1e999"), "not a finite number"),
        (metadata_text().replace("1700000000.0", "9" * 400), "`time.start` is a number beyond"),
        (with_value('"a\\u0000b"'), "NUL character"),
        (metadata_text(parameters={"a\x00": 1}), "NUL character"),
        (with_value('"\\ud800"'), "lone surrogate"),
        (with_value("[" * 5000 + "]" * 5000), "nested"),
        (with_value("[" * 70 + "]" * 70), "nested"),
        ("\ufeff" + metadata_text(), "byte-order mark"),
    ],
)
def test_values_the_index_could_not_hold_are_refused_before_writing(
    client, example, text, fragment
):
    error = failure(push_packet(client, text.encode()), 400)
    assert fragment in error["detail"], error
    assert_nothing_written(example)
    assert_store_still_answers(client)


@pytest.mark.parametrize("name", ["evil/../name", "", ".", "..", "a/b", "/abs", "tab\there"])
def test_a_name_the_pages_cannot_route_is_refused(client, example, name):
    error = failure(push_packet(client, packet_metadata(NEW_ID, name=name)), 400)
    assert "Invalid packet name" in error["detail"]
    assert_nothing_written(example)
    assert_store_still_answers(client)


def test_a_file_size_beyond_the_index_is_refused(client, example):
    data = b"x"
    success(client.generic("POST", f"/outpack/file/{sha256(data)}", data))
    body = packet_metadata(NEW_ID, {"x.txt": data})
    body = body.replace(b'"size": 1', b'"size": 9223372036854775808')
    error = failure(push_packet(client, body), 400)
    assert "sizes between 0 and 2^63 - 1" in error["detail"]
    assert_nothing_written(example)


def test_a_bad_name_already_in_the_root_and_index_does_not_break_the_pages(client, example):
    # Written by an older server or another tool: on disk, and indexed before names were checked.
    body = packet_metadata(NEW_ID, name="evil/../name")
    (example / ".outpack" / "metadata" / NEW_ID).write_bytes(body)
    Packet.objects.create(
        id=NEW_ID, name="evil/../name", hash=sha256(body), time_start=1.0, time_end=2.0
    )
    index.forget_sync_state()
    assert_store_still_answers(client)
    assert not Packet.objects.filter(id=NEW_ID).exists()
    problems = index.sync_index(open_root(example), force=True, log=False)
    assert any("Invalid packet name" in message for _, message in problems)


@pytest.mark.parametrize(
    "url, body",
    [
        ("/outpack/packets/missing", b'{"ids": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        ("/outpack/files/missing", b"[" * 100_000),
    ],
)
def test_deeply_nested_json_is_a_400_on_every_outpack_endpoint(client, example, url, body):
    failure(client.post(url, body, content_type=JSON), 400)


def test_a_deeply_nested_this_is_a_400(client, example):
    this = "[" * 100_000 + "]" * 100_000
    failure(client.get("/outpack/query", {"q": "latest", "this": this}), 400)


def test_the_index_refusing_a_packet_leaves_nothing_on_disk(client, example, monkeypatch):
    # Whatever the checks miss, the database has the last word before any file is written.
    from django.db import DataError

    def refuse(*args, **kwargs):
        raise DataError("value out of range")

    monkeypatch.setattr(index, "create_packet_rows", refuse)
    error = failure(push_packet(client, packet_metadata(NEW_ID)), 400)
    assert "can't store a value" in error["detail"]
    assert_nothing_written(example)


def test_a_huge_integer_parameter_is_kept_exactly(client, example):
    # serde and Python read it (as an integer or as infinity); the index keeps it as -inf.
    success(push_packet(client, with_value("-" + "9" * 400).encode()))
    data = success(client.get(f"/outpack/metadata/{NEW_ID}/json"))
    assert data["parameters"]["n"] == -int("9" * 400)
    assert success(client.get("/outpack/query", {"q": "parameter:n < -1e308"})) == [NEW_ID]
    assert_store_still_answers(client)


def test_metadata_json_never_serves_invalid_json(client, example):
    body = packet_metadata(NEW_ID, parameters={"n": 2})
    success(push_packet(client, body))
    response = client.get(f"/outpack/metadata/{NEW_ID}/json")
    json.loads(response.content, parse_constant=lambda name: pytest.fail(name))
    # A file written before pushes were checked: said to be broken, never served as `Infinity`.
    older = "20240101-120000-0000000a"
    text = with_value("1e400").replace(NEW_ID, older)
    (example / ".outpack" / "metadata" / older).write_text(text)
    error = failure(client.get(f"/outpack/metadata/{older}/json"), 500)
    assert "is not a finite number" in error["detail"]
