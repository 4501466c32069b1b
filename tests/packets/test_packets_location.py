"""Location entries (no Django)."""

import json
import shutil

import pytest

from reprostore.packets.errors import BrokenRoot
from reprostore.packets.location import (
    LocationEntry,
    entry_names,
    has_entry,
    location_dirs,
    now,
    read_entry,
    write_entry,
)
from reprostore.packets.root import init_root, open_root
from tests.support.fixtures import OUTPACK_FIXTURES as FIXTURES

pytestmark = pytest.mark.nodb
PACKET = "20240101-120000-0123abcd"


@pytest.fixture
def example(tmp_path):
    shutil.copytree(FIXTURES / "example", tmp_path / "example")
    return open_root(tmp_path / "example")


def test_read_an_old_entry_ignoring_schema_version(example):
    entry = read_entry(example.location_dir / "local" / "20170818-164847-7574883b")
    assert entry == LocationEntry(
        "20170818-164847-7574883b",
        1662480556.1778,
        "sha256:af3c863f96898c6c88cee4daa1a6d6cfb756025e70059f5ea4dbe4d9cc5e0e36",
    )


def test_write_entry_is_compact_in_key_order_and_first_write_wins(tmp_path):
    root = open_root(init_root(tmp_path))
    assert write_entry(root, "local", LocationEntry(PACKET, 1688033668.123, "md5:" + "0" * 32))
    assert not write_entry(root, "local", LocationEntry(PACKET, 2.0, "md5:" + "1" * 32))
    text = (root.location_dir / "local" / PACKET).read_text()
    assert text == f'{{"packet":"{PACKET}","time":1688033668.123,"hash":"md5:{"0" * 32}"}}'
    assert has_entry(root, "local", PACKET)
    assert not has_entry(root, "local", "../local")


def test_now_is_truncated_to_milliseconds():
    t = now()
    assert t == int(t * 1000) / 1000


def test_location_dirs_follow_the_config_then_unnamed_ones(example):
    (example.location_dir / "zzz").mkdir()
    (example.location_dir / "aaa").mkdir()
    assert location_dirs(example) == ["local", "another", "aaa", "zzz"]


def test_entry_names_skip_what_is_not_an_id(example):
    (example.location_dir / "local" / "README").write_text("hi")
    assert entry_names(example, "local") == ["20170818-164847-7574883b"]
    assert entry_names(example, "missing") == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{}", "missing field `packet`"),
        ("nope", "is not readable JSON"),
        (json.dumps({"packet": "x", "time": 1, "hash": "md5:00"}), "it is for packet 'x'"),
        (json.dumps({"packet": PACKET, "time": "1", "hash": "md5:00"}), "`time` must be a number"),
        (json.dumps({"packet": PACKET, "time": 1, "hash": "md5"}), "Invalid hash format 'md5'"),
    ],
)
def test_a_bad_entry_names_its_file(tmp_path, content, message):
    path = tmp_path / PACKET
    path.write_text(content)
    with pytest.raises(BrokenRoot, match=message) as e:
        read_entry(path)
    assert str(path) in e.value.message
