"""A full disk is a 507 "no space left on the store", nothing half-written is left, and reads
keep working (issue 12).

The disk is made full in three ways: temporary files opened on /dev/full (every write fails
with ENOSPC, as on a full file system), SQLite's `max_page_count` (SQLITE_FULL, what SQLite
answers on a full disk), and, where the test may mount file systems (root), a real 2 MB tmpfs
under a live server's store.
"""

import contextlib
import json
import os
import subprocess
import tempfile

import pytest
import requests
from django.db import connection

from reprostore.packets import files
from reprostore.packets import root as outpack_root
from reprostore.packets.models import Packet
from reprostore.records.models import Record
from tests.packets.conftest import failure, packet_metadata, serve, sha256, success
from tests.records.helpers import assert_error, get, put
from tests.support.records import record_body
from tests.support.server import add_users, start_server

NO_SPACE = "No space left on the store"
NEW_ID = "20240101-120000-0123abcd"


class FullDisk:
    """`tempfile` as the store uses it, with every temporary file on /dev/full."""

    def mkstemp(self, dir=None, prefix=None):
        fd, path = tempfile.mkstemp(dir=dir, prefix=prefix)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), path


@pytest.fixture
def store(settings, tmp_path, db):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "write"
    return serve(settings, outpack_root.init_root(tmp_path / "store"))


def assert_reads_work(client):
    success(client.get("/outpack/metadata/list"))
    success(client.get("/outpack/"))
    assert client.get("/packets/").status_code == 200


def test_a_file_upload_on_a_full_disk_is_a_507_and_leaves_nothing(client, store, monkeypatch):
    monkeypatch.setattr(files, "tempfile", FullDisk())
    data = b"some bytes"
    error = failure(client.generic("POST", f"/outpack/file/{sha256(data)}", data), 507)
    assert NO_SPACE in error["detail"]
    assert list((store / ".outpack" / "files" / "tmp").iterdir()) == []
    assert_reads_work(client)


def test_a_packet_push_on_a_full_disk_is_a_507_and_leaves_nothing(client, store, monkeypatch):
    body = packet_metadata(NEW_ID)
    monkeypatch.setattr(outpack_root, "tempfile", FullDisk())
    error = failure(client.generic("POST", f"/outpack/packet/{sha256(body)}", body), 507)
    assert NO_SPACE in error["detail"]
    assert not (store / ".outpack" / "metadata" / NEW_ID).exists()
    assert not (store / ".outpack" / "location" / "local" / NEW_ID).exists()
    assert not Packet.objects.exists()
    assert [p.name for p in (store / ".outpack").iterdir() if p.name.startswith(".tmp")] == []
    assert_reads_work(client)
    monkeypatch.undo()
    success(client.generic("POST", f"/outpack/packet/{sha256(body)}", body))


@pytest.fixture
def full_sqlite_database():
    assert connection.vendor == "sqlite", "mark the test sqlite: this is SQLite's max_page_count"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        cursor.execute(f"PRAGMA max_page_count = {pages}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA max_page_count = 4294967294")


@pytest.mark.sqlite
def test_a_record_put_on_a_full_database_is_a_507_and_reads_work(
    client, cast, full_sqlite_database
):
    body = record_body("run", stdout_stderr="output\n" * 100_000)
    assert_error(put(client, "/records/Private/run/", body, cast.writer), 507, NO_SPACE)
    assert not Record.objects.filter(label="run").exists()
    assert get(client, "/records/Private/", cast.reader).status_code == 200
    assert get(client, "/records/Private/?format=html", cast.reader).status_code == 200


# ---- A real full file system under a live server --------------------------------------------


@contextlib.contextmanager
def small_tmpfs(path, size):
    path.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    # Tests run as root here (CI too); a machine where this fails must say so, not skip.
    assert mounted.returncode == 0, f"can't mount a tmpfs: {mounted.stderr.decode().strip()}"
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(directory):
    """Write until the file system is full; the filler file is returned, to be removed."""
    filler = directory / "filler"
    with open(filler, "wb") as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return filler


@pytest.mark.sqlite  # the database is on the small disk with the store
def test_a_live_server_on_a_full_disk_answers_507_and_keeps_serving_reads(tmp_path):
    with small_tmpfs(tmp_path / "store", "4m") as disk:
        server, cleanup = start_server(disk)
        try:
            add_users(server, {"ann": "a long password"}, [("ann", "sim", "write")])
            auth = ("ann", "a long password")
            headers = {"Content-Type": "application/vnd.sumatra.record-v4+json"}
            first = requests.put(
                f"{server.url}/records/sim/kept/", record_body("kept"), auth=auth, headers=headers
            )
            assert first.status_code == 201
            filler = fill(disk)

            big = record_body("lost", stdout_stderr="x" * 1_000_000)
            response = requests.put(
                f"{server.url}/records/sim/lost/", big, auth=auth, headers=headers
            )
            assert response.status_code == 507, response.text
            assert NO_SPACE in response.json()["error"]

            for url in ("/records/sim/", "/records/sim/kept/", "/health"):
                assert requests.get(server.url + url, auth=auth).status_code == 200, url
            assert requests.get(server.url + "/records/sim/kept/?format=html", auth=auth).ok

            filler.unlink()
            response = requests.put(
                f"{server.url}/records/sim/lost/", big, auth=auth, headers=headers
            )
            assert response.status_code == 201
            assert json.loads(requests.get(f"{server.url}/records/sim/lost/", auth=auth).text)
        finally:
            cleanup()
