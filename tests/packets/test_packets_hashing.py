"""Parsing and computing `alg:hex` hashes (no Django)."""

import hashlib
import io

import pytest

from reprostore.packets.errors import BadRequest
from reprostore.packets.hashing import Hash, check_hash, copy_and_hash, hash_bytes, parse_hash

pytestmark = pytest.mark.nodb


def test_parse_a_hash_trimming_whitespace():
    assert parse_hash("  md5:abc123 ") == Hash("md5", "abc123")
    assert str(parse_hash("sha256:ABCDEF")) == "sha256:ABCDEF"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("badhash", "Invalid hash format 'badhash'"),
        ("sha256", "Invalid hash format 'sha256'"),
        ("sha256:xyz", "Invalid hash format 'sha256:xyz'"),
        ("sha256:", "Invalid hash format 'sha256:'"),
        ("sha666:abcd", "Invalid hash algorithm 'sha666'"),
        ("SHA256:abcd", "Invalid hash algorithm 'SHA256'"),
        ("sha256:ab/../cd", "Invalid hash format 'sha256:ab/../cd'"),
    ],
)
def test_bad_hashes_are_400s_quoting_the_value(text, message):
    with pytest.raises(BadRequest) as e:
        parse_hash(text)
    assert e.value.status == 400
    assert e.value.message == message


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("sha256:" + "a" * 64, True),
        ("sha256:" + "A" * 64, False),
        ("sha256:a", False),
        ("sha256:123456", False),
        ("md5:" + "0" * 32, True),
    ],
)
def test_only_full_lower_case_digests_can_name_a_stored_file(text, canonical):
    assert parse_hash(text).is_canonical is canonical


def test_mismatch_message_is_the_protocols():
    with pytest.raises(BadRequest) as e:
        check_hash(Hash("md5", "bad4a54"), hash_bytes(b"test", "md5"))
    assert e.value.message == (
        "Expected hash 'md5:bad4a54' but found 'md5:098f6bcd4621d373cade4e832627b4f6'"
    )


def test_copy_and_hash_streams_in_chunks():
    data = bytes(range(256)) * 1000
    out = io.BytesIO()
    found, size = copy_and_hash(io.BytesIO(data), out, "sha512", chunk_size=1000)
    assert found == Hash("sha512", hashlib.sha512(data).hexdigest())
    assert size == len(data) and out.getvalue() == data
