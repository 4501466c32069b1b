"""Parsing, reading and writing packet metadata (no Django)."""

import hashlib
import json
import shutil

import pytest

from reprostore.packets.errors import BadRequest, BrokenRoot, InvalidData, NotFound
from reprostore.packets.metadata import (
    checksum,
    parse_metadata,
    read_metadata_bytes,
    read_stored_metadata,
    write_metadata,
)
from reprostore.packets.root import init_root, open_root
from tests.support.fixtures import OUTPACK_FIXTURES as FIXTURES

pytestmark = pytest.mark.nodb
PACKET = "20240101-120000-0123abcd"
VALID = {
    "schema_version": "0.1.1",
    "id": PACKET,
    "name": "report",
    "parameters": {"a": 1, "b": True},
    "time": {"start": 1, "end": 2.5},
    "files": [{"path": "out/x.csv", "hash": "sha256:" + "a" * 64, "size": 3}],
    "depends": [{"packet": "20230101-120000-0123abcd", "query": "latest", "files": []}],
    "custom": None,
    "git": None,
}


@pytest.fixture
def example(tmp_path):
    shutil.copytree(FIXTURES / "example", tmp_path / "example")
    return open_root(tmp_path / "example")


def with_(**changes):
    return json.dumps({**VALID, **changes}).encode()


def test_parse_valid_metadata():
    metadata = parse_metadata(with_())
    assert metadata.id == PACKET and metadata.name == "report"
    assert metadata.time_start == 1.0 and metadata.time_end == 2.5
    assert metadata.files[0].path == "out/x.csv" and metadata.files[0].size == 3
    assert metadata.depends[0].packet == "20230101-120000-0123abcd"
    assert metadata.depends[0].query == "latest"


def test_missing_fields_are_reported_in_outpack_server_order():
    body = {k: v for k, v in VALID.items() if k not in ("files", "time")}
    with pytest.raises(InvalidData, match="missing field `files`") as e:
        parse_metadata(json.dumps(body).encode())
    assert e.value.status == 400


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "Malformed metadata: Expecting value"),
        (b"{", "Malformed metadata: Expecting property name"),
        (b"[1]", "expected a JSON object, not an array"),
        (b"\xff\xfe", "not valid UTF-8"),
        (with_(name=3), "`name` must be a string, not an integer"),
        (with_(time={"start": 1}), "`time.end` must be a number, not null"),
        (with_(time={"start": True, "end": 1}), "`time.start` must be a number, not a boolean"),
        (with_(files={}), "`files` must be an array, not an object"),
        (with_(files=[{"path": "a", "hash": "md5:00"}]), r"`files\[\]\.size` must be an integer"),
        (with_(depends=[{"packet": PACKET}]), "must be an object with `packet` and `files`"),
        (with_(parameters=[1]), "`parameters` must be null or an object"),
    ],
)
def test_malformed_metadata_is_a_400_saying_what_is_wrong(body, message):
    with pytest.raises(BadRequest, match=message) as e:
        parse_metadata(body)
    assert e.value.status == 400


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (with_(id="../../../../tmp/x"), "Invalid packet id '../../../../tmp/x'"),
        (with_(id="20240101-120000-0123ABCD"), "Invalid packet id '20240101-120000-0123ABCD'"),
        (with_(files=[{"path": "x", "hash": "bad", "size": 1}]), "Invalid hash format 'bad'"),
        (with_(files=[{"path": "../x", "hash": "md5:00", "size": 1}]), "Invalid file '../x'"),
        (with_(files=[{"path": "/etc/x", "hash": "md5:00", "size": 1}]), "Invalid file '/etc/x'"),
        (
            with_(depends=[{"packet": "nope", "files": []}]),
            "Invalid packet id 'nope'",
        ),
    ],
)
def test_metadata_that_could_escape_the_root_is_refused(body, message):
    with pytest.raises(BadRequest, match=message):
        parse_metadata(body)


def test_read_metadata_bytes_are_the_stored_bytes(example):
    packet = "20170818-164847-7574883b"
    assert read_metadata_bytes(example, packet) == (example.metadata_dir / packet).read_bytes()


@pytest.mark.parametrize("packet", ["bad-id", "../config.json", "20170818-164847-7574883c", ""])
def test_unknown_or_odd_ids_are_not_found(example, packet):
    with pytest.raises(NotFound) as e:
        read_metadata_bytes(example, packet)
    assert e.value.message == f"packet with id '{packet}' does not exist"


def test_write_metadata_first_write_wins(tmp_path):
    root = open_root(init_root(tmp_path))
    assert write_metadata(root, PACKET, b"first") is True
    assert write_metadata(root, PACKET, b"second") is False
    assert read_metadata_bytes(root, PACKET) == b"first"
    assert [p.name for p in root.outpack_dir.iterdir() if p.name.startswith(".tmp")] == []


def test_checksum_hashes_the_sorted_names(example):
    assert str(checksum(example)) == (
        "sha256:d226e976507a998c6811296f471dc9a868548a3b8b3fdc876901b5113fe6a03c"
    )
    assert str(checksum(example, "md5")) == "md5:77c6f71f79fb7183ba2dfcb6dd5684e2"


def test_checksum_of_an_empty_root_is_the_hash_of_nothing(tmp_path):
    root = open_root(init_root(tmp_path))
    assert checksum(root).value == hashlib.sha256(b"").hexdigest()


def test_stored_metadata_without_a_name_is_a_broken_root(tmp_path):
    shutil.copytree(FIXTURES / "bad-example", tmp_path / "bad")
    path = tmp_path / "bad" / ".outpack" / "metadata" / "20170818-164847-7574883b"
    with pytest.raises(BrokenRoot, match="missing field `name`") as e:
        read_stored_metadata(path)
    assert str(path) in e.value.message and e.value.status == 500


def test_stored_metadata_under_another_id_is_a_broken_root(tmp_path):
    path = tmp_path / "20230101-000000-00000000"
    path.write_bytes(with_())
    with pytest.raises(BrokenRoot, match=f"different packet id '{PACKET}'"):
        read_stored_metadata(path)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_malformed_metadata(constant):
    from reprostore.packets.errors import InvalidData
    from reprostore.packets.metadata import decode_json

    with pytest.raises(InvalidData, match=f"{constant} is not valid JSON"):
        decode_json(f'{{"id": "x", "parameters": {{"a": {constant}}}}}'.encode())
