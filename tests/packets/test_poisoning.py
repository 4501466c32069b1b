"""Pushes that cannot poison `latest()` or fill the disk, on a server as configured by default.

The attack: an anonymous client pushed a packet named like an existing one with an id from the
far future, so that `latest(name == "analysis")` resolved to it everywhere, and uploaded files no
packet refers to. Now anonymous pushes are refused, a writer's far-future id is refused, one file
may not be larger than REPROSTORE_OUTPACK_MAX_FILE, and `reprostore gc` removes orphans once they
have waited longer than the grace period.
"""

import io
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.core.management import CommandError, call_command

from reprostore.packets.index import forget_sync_state
from reprostore.packets.root import init_root
from tests.conftest import PASSWORD, basic_auth
from tests.support.packet_access import grant_packets
from tests.support.server import start_server

from .conftest import failure, packet_metadata, sha256, success

FILE = b"analysis result\n"


@pytest.fixture
def root(settings, tmp_path, db):
    """A fresh root served with the default settings (only the sync is not throttled)."""
    settings.REPROSTORE_ROOT = init_root(tmp_path / "root")
    settings.REPROSTORE_OUTPACK_SYNC_SECONDS = 0
    forget_sync_state()
    yield settings.REPROSTORE_ROOT
    forget_sync_state()


@pytest.fixture
def writer(cast):
    grant_packets(cast.writer, "write")
    return basic_auth(cast.writer.username)


def packet_id_at(moment: datetime, suffix="ffffffff") -> str:
    return moment.strftime("%Y%m%d-%H%M%S-") + suffix


def push(client, packet_id, headers, name="analysis"):
    upload = client.generic("POST", f"/outpack/file/{sha256(FILE)}", FILE, **headers)
    body = packet_metadata(packet_id, {"result.txt": FILE}, name=name)
    return upload, client.generic("POST", f"/outpack/packet/{sha256(body)}", body, **headers)


def latest(client, headers):
    response = client.get("/outpack/query", {"q": 'latest(name == "analysis")'}, **headers)
    return success(response)


def test_an_anonymous_push_is_refused_by_default(client, root, settings):
    assert settings.REPROSTORE_OUTPACK_ANONYMOUS == "none"
    upload, packet = push(client, "20991231-235959-ffffffff", {})
    for response in (upload, packet):
        assert "You must sign in to push packets" in failure(response, 401)["detail"]
    assert not any((root / ".outpack" / "metadata").iterdir())
    assert not (root / ".outpack" / "files" / "sha256").exists()


def test_a_writers_far_future_id_is_refused(client, root, writer):
    now = datetime.now(UTC)
    _, honest = push(client, packet_id_at(now - timedelta(hours=1), "0000000a"), writer)
    success(honest)
    _, attack = push(client, "20991231-235959-ffffffff", writer)
    detail = failure(attack, 400)["detail"]
    assert detail.startswith("Packet id '20991231-235959-ffffffff' is ")
    assert "ahead of this server's clock (at most 10 minutes is allowed)" in detail
    assert latest(client, writer) == [packet_id_at(now - timedelta(hours=1), "0000000a")]


def test_a_little_clock_skew_is_allowed(client, root, writer, settings):
    ahead = datetime.now(UTC) + timedelta(minutes=5)
    _, response = push(client, packet_id_at(ahead), writer)
    success(response)
    settings.REPROSTORE_OUTPACK_MAX_CLOCK_SKEW = 60
    _, response = push(client, packet_id_at(ahead, "0000000b"), writer)
    assert "at most 1 minute is allowed" in failure(response, 400)["detail"]


def test_an_id_whose_time_is_no_date_is_refused(client, root, writer):
    _, response = push(client, "20241399-250000-0000000a", writer)
    assert "its time is not a date" in failure(response, 400)["detail"]


def test_an_oversized_file_is_413_before_it_is_read(client, root, writer, settings):
    settings.REPROSTORE_OUTPACK_MAX_FILE = len(FILE) - 1
    response = client.generic("POST", f"/outpack/file/{sha256(FILE)}", FILE, **writer)
    error = failure(response, 413)
    assert error["error"] == "payload too large"
    assert f"at most {len(FILE) - 1} bytes (REPROSTORE_OUTPACK_MAX_FILE)" in error["detail"]
    assert not (root / ".outpack" / "files" / "sha256").exists()
    settings.REPROSTORE_OUTPACK_MAX_FILE = len(FILE)
    success(client.generic("POST", f"/outpack/file/{sha256(FILE)}", FILE, **writer))


def test_a_stream_longer_than_the_limit_stops_at_the_limit():
    from reprostore.lib.http import TooLarge
    from reprostore.packets.bodies import LimitedStream

    stream = LimitedStream(io.BytesIO(b"x" * 10), 9)
    with pytest.raises(TooLarge):
        while stream.read(4):
            pass
    assert stream.read_so_far == 10  # one byte past the limit, not the whole body
    exact = LimitedStream(io.BytesIO(b"x" * 9), 9)
    assert exact.read() == b"x" * 9 and exact.read() == b""


# reprostore gc


def stored(root, data):
    digest = sha256(data).split(":")[1]
    return root / ".outpack" / "files" / "sha256" / digest[:2] / digest[2:]


def age(path, hours):
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def gc(*args):
    out = io.StringIO()
    call_command("gc", *args, stdout=out)
    return out.getvalue()


def test_gc_removes_an_orphan_only_after_the_grace_period(client, root, writer):
    orphan = b"20 MB that no packet refers to" * 10
    used_id = packet_id_at(datetime.now(UTC) - timedelta(hours=2), "0000000a")
    _, packet = push(client, used_id, writer)
    success(packet)
    success(client.generic("POST", f"/outpack/file/{sha256(orphan)}", orphan, **writer))
    age(stored(root, FILE), 48)

    report = gc()
    assert "Removed 0 unused files" in report and "kept 1 unused files" in report
    assert stored(root, orphan).exists()

    age(stored(root, orphan), 25)
    assert f"Would remove {sha256(orphan)} ({len(orphan)} bytes)" in gc("--dry-run")
    assert stored(root, orphan).exists()
    report = gc()
    assert f"Removed {sha256(orphan)} ({len(orphan)} bytes): no packet uses it" in report
    assert f"freeing {len(orphan)} bytes" in report
    assert not stored(root, orphan).exists()
    assert stored(root, FILE).exists()  # old, but used


def test_asking_about_or_uploading_a_file_restarts_its_wait(client, root, writer):
    """A push uploads files (or hears they are there) before the metadata that names them."""
    success(client.generic("POST", f"/outpack/file/{sha256(FILE)}", FILE, **writer))
    age(stored(root, FILE), 25)
    body = {"hashes": [sha256(FILE)]}
    client.post("/outpack/files/missing", body, content_type="application/json", **writer)
    assert "Removed 0 unused files" in gc()
    age(stored(root, FILE), 25)
    success(client.generic("POST", f"/outpack/file/{sha256(FILE)}", FILE, **writer))
    assert "Removed 0 unused files" in gc()
    assert "Removed 1 unused files" in gc("--grace-hours", "0")


def test_gc_removes_interrupted_uploads_after_the_grace_period(root):
    temp = root / ".outpack" / "files" / "tmp"
    temp.mkdir(parents=True)
    (temp / "upload-old").write_bytes(b"half")
    (temp / "upload-new").write_bytes(b"half")
    age(temp / "upload-old", 30)
    assert "Removed tmp/upload-old (4 bytes): an interrupted upload" in gc()
    assert sorted(p.name for p in temp.iterdir()) == ["upload-new"]


def test_gc_refuses_when_some_metadata_cannot_be_read(root):
    (root / ".outpack" / "metadata" / "20240101-000000-0000000a").write_text("{not json")
    with pytest.raises(CommandError, match="Can't tell which files are used"):
        gc()


def test_gc_refuses_a_negative_grace(root):
    with pytest.raises(CommandError, match="--grace-hours is -1"):
        gc("--grace-hours", "-1")


# The same limits on a live server, with a streamed (chunked) upload and the outpack envelope.


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    server, cleanup = start_server(
        tmp_path_factory.mktemp("limits") / "root",
        extra_env={"REPROSTORE_OUTPACK_MAX_FILE": "1000"},
    )
    server.command("adduser", "carol", "--password-stdin", input=PASSWORD + "\n")
    server.command("grant", "carol", "--packets", "write")
    yield server
    cleanup()


@pytest.mark.parametrize("chunked", [False, True])
def test_a_live_server_refuses_an_oversized_upload(small_server, chunked):
    data = os.urandom(5000)
    body = (data[i : i + 512] for i in range(0, len(data), 512)) if chunked else data
    response = requests.post(
        f"{small_server.url}/outpack/file/{sha256(data)}",
        data=body,
        auth=("carol", PASSWORD),
        timeout=60,
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    assert "REPROSTORE_OUTPACK_MAX_FILE" in response.json()["errors"][0]["detail"]
    files = small_server.root / ".outpack" / "files"
    assert not stored(small_server.root, data).exists()
    assert not (files / "tmp").exists() or not any((files / "tmp").iterdir())
