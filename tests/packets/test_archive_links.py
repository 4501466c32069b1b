"""A path archive is served only as far as it is what the metadata says: no link is followed out
of it, and a file is served under a hash only if it has that hash (issue 12)."""

import os

import pytest

from reprostore.packets import files
from reprostore.packets.root import init_root

from .conftest import JSON, failure, packet_metadata, serve, sha256, success

PACKET = "20240101-120000-0123abcd"
DATA = b"the data"


@pytest.fixture
def archive_root(settings, tmp_path, db):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "read"
    root = serve(
        settings, init_root(tmp_path / "root", use_file_store=False, path_archive="archive")
    )
    body = packet_metadata(PACKET, {"data.txt": DATA})
    (root / ".outpack" / "metadata" / PACKET).write_bytes(body)
    folder = root / "archive" / "report" / PACKET
    folder.mkdir(parents=True)
    files.archive_hash.cache_clear()
    return folder


def download(client):
    return client.get(f"/outpack/file/{sha256(DATA)}")


def is_missing(client):
    response = client.post("/outpack/files/missing", {"hashes": [sha256(DATA)]}, content_type=JSON)
    return success(response) == [sha256(DATA)]


def test_an_archived_file_with_its_hash_is_served(client, archive_root):
    (archive_root / "data.txt").write_bytes(DATA)
    assert b"".join(download(client).streaming_content) == DATA
    assert not is_missing(client)


def test_a_link_out_of_the_root_is_not_followed(client, archive_root, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_bytes(DATA)  # even with the right bytes: it is not the archive's to serve
    os.symlink(outside, archive_root / "data.txt")
    failure(download(client), 404)
    assert is_missing(client)


def test_a_linked_directory_out_of_the_root_is_not_followed(client, archive_root, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "data.txt").write_bytes(DATA)
    archive_root.rmdir()
    os.symlink(elsewhere, archive_root)
    failure(download(client), 404)


def test_a_link_inside_the_archive_is_followed(client, archive_root):
    (archive_root.parent / "real.txt").write_bytes(DATA)
    os.symlink(archive_root.parent / "real.txt", archive_root / "data.txt")
    assert b"".join(download(client).streaming_content) == DATA


def test_a_file_of_the_right_size_but_other_bytes_is_not_served(client, archive_root):
    (archive_root / "data.txt").write_bytes(b"the dat!")
    failure(download(client), 404)
    assert is_missing(client)


def test_the_hash_is_checked_once_per_version_of_the_file(client, archive_root):
    path = archive_root / "data.txt"
    path.write_bytes(DATA)
    for _ in range(3):
        assert download(client).status_code == 200
    assert files.archive_hash.cache_info().misses == 1
    path.write_bytes(b"the dat!")  # edited in place: a new mtime, hashed again
    os.utime(path, ns=(1, 1))
    failure(download(client), 404)
    assert files.archive_hash.cache_info().misses == 2
