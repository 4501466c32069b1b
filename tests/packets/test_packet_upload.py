"""POST /outpack/packet/<hash>: checks in outpack_server's order, then first write wins."""

import hashlib
import json

import pytest

from .conftest import JSON, failure, packet_metadata, sha256, success

LOCAL_ID = "20170818-164847-7574883b"
NEW_ID = "20240101-120000-0123abcd"
CHILD_ID = "20240102-120000-0123abcd"
FILES = {"data.csv": b"a,b\n1,2\n", "out/plot.txt": b"plot"}


def push_file(client, data):
    return client.generic("POST", f"/outpack/file/{sha256(data)}", data)


def push_packet(client, body, hash=None):
    return client.generic("POST", f"/outpack/packet/{hash or sha256(body)}", body)


def push_with_files(client, packet_id, files=FILES, **kwargs):
    for data in files.values():
        success(push_file(client, data))
    body = packet_metadata(packet_id, files, **kwargs)
    success(push_packet(client, body), "null-response.json")
    return body


def test_push_a_packet(client, example):
    body = push_with_files(client, NEW_ID, parameters={"n": 2})
    outpack = example / ".outpack"
    assert (outpack / "metadata" / NEW_ID).read_bytes() == body
    entry = json.loads((outpack / "location" / "local" / NEW_ID).read_text())
    assert list(entry) == ["packet", "time", "hash"]
    assert entry["packet"] == NEW_ID and entry["hash"] == sha256(body)
    assert entry["time"] == int(entry["time"] * 1000) / 1000
    listed = success(client.get("/outpack/metadata/list"))
    assert {"packet": NEW_ID, "time": entry["time"], "hash": sha256(body)} in listed
    response = client.post(
        "/outpack/packets/missing", {"ids": [NEW_ID], "unpacked": True}, content_type=JSON
    )
    assert success(response) == []
    assert client.get(f"/outpack/metadata/{NEW_ID}/text").content == body


def test_push_is_idempotent_and_the_first_time_stays(client, example):
    body = push_with_files(client, NEW_ID)
    entry = example / ".outpack" / "location" / "local" / NEW_ID
    before = entry.read_bytes()
    success(push_packet(client, body))
    assert entry.read_bytes() == before


def test_other_metadata_under_a_known_id_is_refused_and_the_old_kept(client, example):
    body = push_with_files(client, NEW_ID)
    other = packet_metadata(NEW_ID, FILES, name="other")
    error = failure(push_packet(client, other), 409)
    assert f"Packet '{NEW_ID}' already exists here with different metadata" in error["detail"]
    assert (example / ".outpack" / "metadata" / NEW_ID).read_bytes() == body


def test_missing_files_are_reported_before_a_bad_hash(client, example):
    body = packet_metadata(NEW_ID, FILES)
    hashes = ",".join(sha256(d) for d in FILES.values())
    failure(
        push_packet(client, body, hash="sha256:" + "0" * 64),
        400,
        f"Can't import metadata for {NEW_ID}, as files missing: \n {hashes}",
    )


def test_dependencies_must_be_unpacked(client, example):
    for data in FILES.values():
        push_file(client, data)
    known_not_unpacked = "20170818-164830-33e0ab01"
    unknown = "20230101-000000-00000000"
    body = packet_metadata(CHILD_ID, FILES, depends=[LOCAL_ID, known_not_unpacked, unknown])
    failure(
        push_packet(client, body),
        400,
        f"Can't import metadata for {CHILD_ID}, as dependencies missing: \n "
        f"{known_not_unpacked},{unknown}",
    )


def test_a_packet_with_unpacked_dependencies_is_accepted(client, example):
    push_with_files(client, NEW_ID)
    push_with_files(client, CHILD_ID, depends=[NEW_ID, LOCAL_ID])
    assert (example / ".outpack" / "location" / "local" / CHILD_ID).exists()


def test_a_hash_mismatch_is_checked_last(client, example):
    for data in FILES.values():
        push_file(client, data)
    body = packet_metadata(NEW_ID, FILES)
    found = "md5:" + hashlib.md5(body).hexdigest()
    failure(
        push_packet(client, body, hash="md5:bad4a54"),
        400,
        f"Expected hash 'md5:bad4a54' but found '{found}'",
    )
    assert not (example / ".outpack" / "metadata" / NEW_ID).exists()


def test_the_url_hash_may_use_another_algorithm(client, example):
    for data in FILES.values():
        push_file(client, data)
    body = packet_metadata(NEW_ID, FILES)
    md5 = "md5:" + hashlib.md5(body).hexdigest()
    success(push_packet(client, body, hash=md5))
    entry = json.loads((example / ".outpack" / "location" / "local" / NEW_ID).read_text())
    assert entry["hash"] == md5


@pytest.mark.parametrize(
    ("hash", "detail"),
    [
        ("badhash", "Invalid hash format 'badhash'"),
        ("sha666:00", "Invalid hash algorithm 'sha666'"),
    ],
)
def test_a_malformed_url_hash(client, example, hash, detail):
    failure(push_packet(client, packet_metadata(NEW_ID), hash=hash), 400, detail)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"", "Malformed metadata: Expecting value: line 1 column 1 (char 0)"),
        (b'{"id": "x"', None),
        (b"\xff\xfe", "Malformed metadata: the body is not valid UTF-8"),
        (b'{"id": "20240101-120000-0123abcd"}', "Malformed metadata: missing field `name`"),
        (b"[]", "Malformed metadata: expected a JSON object, not an array"),
        (
            json.dumps({"id": NEW_ID, "name": "x", "files": [], "depends": []}).encode(),
            "Malformed metadata: missing field `time`",
        ),
    ],
)
def test_malformed_metadata_is_a_400(client, example, body, detail):
    error = failure(push_packet(client, body), 400, detail)
    assert error["error"] == "invalid data"


@pytest.mark.parametrize(
    ("packet_id", "files", "fragment"),
    [
        ("../../../../tmp/escaped", {}, "Invalid packet id '../../../../tmp/escaped'"),
        ("20240101-120000-0123ABCD", {}, "Invalid packet id '20240101-120000-0123ABCD'"),
        (NEW_ID, {"../outside.txt": b"x"}, "Invalid file '../outside.txt'"),
    ],
)
def test_metadata_that_would_escape_is_refused(
    client, example, tmp_path, packet_id, files, fragment
):
    for data in files.values():
        push_file(client, data)
    error = failure(push_packet(client, packet_metadata(packet_id, files)), 400)
    assert fragment in error["detail"]
    assert not (tmp_path / "escaped").exists()
    assert sorted(p.name for p in (example / ".outpack" / "metadata").iterdir())[-1] < NEW_ID


def test_push_to_a_root_without_a_file_store_is_refused(client, settings, tmp_path, db):
    from reprostore.packets.root import init_root

    from .conftest import serve

    serve(settings, init_root(tmp_path / "r", use_file_store=False, path_archive="archive"))
    error = failure(push_packet(client, packet_metadata(NEW_ID)), 400)
    assert "has no file store" in error["detail"]


def test_a_pushed_packet_is_indexed_with_its_parts(client, example):
    from reprostore.packets.models import Packet

    push_with_files(client, NEW_ID, parameters={"n": 2, "flag": True, "s": "x"})
    push_with_files(client, CHILD_ID, depends=[NEW_ID])
    packet = Packet.objects.get(id=NEW_ID)
    assert sorted(f.path for f in packet.files.all()) == sorted(FILES)
    assert {p.name: p.value for p in packet.parameter_rows.all()} == {
        "n": 2.0,
        "flag": True,
        "s": "x",
    }
    assert [d.depends_on for d in Packet.objects.get(id=CHILD_ID).depends.all()] == [NEW_ID]
