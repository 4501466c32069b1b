"""The content-addressed file store (no Django)."""

import hashlib
import io
import os
import stat
import tracemalloc

import pytest

from reprostore.packets.errors import BadRequest, NotFound
from reprostore.packets.files import file_path, find_file, has_file, put_file, store_stats
from reprostore.packets.hashing import parse_hash
from reprostore.packets.root import init_root, open_root

pytestmark = pytest.mark.nodb
DATA = b"Testing 123."
DATA_HASH = "sha256:" + hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def root(tmp_path):
    return open_root(init_root(tmp_path / "root"))


def test_put_file_stores_read_only_under_its_hash(root):
    assert put_file(root, DATA_HASH, io.BytesIO(DATA)) is True
    path = root.files_dir / "sha256" / DATA_HASH[7:9] / DATA_HASH[9:]
    assert path.read_bytes() == DATA
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert find_file(root, DATA_HASH) == path


def test_put_file_is_idempotent(root):
    put_file(root, DATA_HASH, io.BytesIO(DATA))
    assert put_file(root, DATA_HASH, io.BytesIO(DATA)) is False
    assert store_stats(root) == (1, len(DATA))
    assert os.listdir(root.files_dir / "tmp") == []


def test_put_file_with_the_wrong_content_stores_nothing(root):
    with pytest.raises(BadRequest) as e:
        put_file(root, "md5:bad4a54", io.BytesIO(b"test"))
    assert e.value.message == (
        "Expected hash 'md5:bad4a54' but found 'md5:098f6bcd4621d373cade4e832627b4f6'"
    )
    assert store_stats(root) == (0, 0)
    assert os.listdir(root.files_dir / "tmp") == []


def test_put_file_accepts_any_algorithm(root):
    md5 = "md5:" + hashlib.md5(b"test").hexdigest()
    put_file(root, md5, io.BytesIO(b"test"))
    assert has_file(root, parse_hash(md5))


def test_put_file_validates_the_hash_format(root):
    with pytest.raises(BadRequest, match="Invalid hash format 'badhash'"):
        put_file(root, "badhash", io.BytesIO(DATA))


def test_put_file_into_an_archive_only_root_is_refused(tmp_path):
    root = open_root(init_root(tmp_path, use_file_store=False, path_archive="archive"))
    with pytest.raises(BadRequest, match="has no file store") as e:
        put_file(root, DATA_HASH, io.BytesIO(DATA))
    assert e.value.status == 400


@pytest.mark.parametrize("text", ["sha256:a", "sha256:ab", "sha256:123456", "sha256:" + "A" * 64])
def test_odd_hashes_are_not_found_not_crashes(root, text):
    assert file_path(root, parse_hash(text)) is None
    with pytest.raises(NotFound) as e:
        find_file(root, text)
    assert e.value.message == f"hash '{text}' not found"


def test_find_file_falls_back_to_archive_candidates_of_the_right_size(tmp_path):
    root = open_root(init_root(tmp_path / "root", path_archive="archive"))
    archived = root.archive_dir / "report" / "a.txt"
    archived.parent.mkdir(parents=True)
    archived.write_bytes(DATA)
    assert find_file(root, DATA_HASH, [(archived, len(DATA))]) == archived
    with pytest.raises(NotFound):
        find_file(root, DATA_HASH, [(archived, len(DATA) + 1), (None, 0)])
    outside = tmp_path / "a.txt"  # not in the archive: never served (test_archive_links.py)
    outside.write_bytes(DATA)
    with pytest.raises(NotFound):
        find_file(root, DATA_HASH, [(outside, len(DATA))])


def test_put_file_uses_constant_memory(root):
    class Zeros(io.RawIOBase):
        """64 MiB of zeros, produced on demand."""

        def __init__(self):
            self.left = 64 * 1024 * 1024

        def read(self, n=-1):
            n = min(n, self.left)
            self.left -= n
            return bytes(n)

    expected = hashlib.sha256()
    for _ in range(64):
        expected.update(bytes(1024 * 1024))
    tracemalloc.start()
    put_file(root, "sha256:" + expected.hexdigest(), Zeros())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024
