"""Uploading and downloading a large file through a live server in constant memory.

REPROSTORE_TEST_LARGE_FILE_MB sets the size (default 512; the issue's 2 GB is 2048).
"""

import hashlib
import os
from pathlib import Path

import pytest
import requests

from tests.support.server import start_server

SIZE = int(os.environ.get("REPROSTORE_TEST_LARGE_FILE_MB", "512")) * 1024 * 1024
BLOCK = bytes(range(256)) * 4096  # 1 MiB of non-repeating-per-byte content
ALLOWED_GROWTH = 64 * 1024 * 1024


class Body:
    """SIZE bytes made on demand: requests sends it with a Content-Length, in blocks."""

    def __init__(self):
        self.left = SIZE

    def __len__(self):
        return self.left

    def __iter__(self):
        return iter(lambda: self.read(len(BLOCK)), b"")

    def read(self, n=-1):
        n = min(len(BLOCK) if n < 0 else n, self.left, len(BLOCK))
        self.left -= n
        return BLOCK[:n]


def expected_hash():
    digest = hashlib.sha256()
    for _ in range(SIZE // len(BLOCK)):
        digest.update(BLOCK)
    return "sha256:" + digest.hexdigest()


def peak_rss_of_workers(pid):
    """The largest peak resident size (VmHWM) among the gunicorn workers under `pid`."""
    peaks = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) * 1024)
    return max(peaks)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Open to anonymous pushes as on a trusted network: this is about memory, not access.
    server, cleanup = start_server(
        tmp_path_factory.mktemp("large") / "root",
        workers=1,
        extra_env={"REPROSTORE_OUTPACK_ANONYMOUS": "write"},
    )
    yield server
    cleanup()


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_a_large_file_goes_up_and_down_in_constant_memory(server):
    hash = expected_hash()
    requests.get(server.url + "/outpack/")  # the worker has imported everything
    before = peak_rss_of_workers(server.process.pid)

    response = requests.post(f"{server.url}/outpack/file/{hash}", data=Body())
    assert response.status_code == 200, response.text
    digest = hashlib.sha256()
    with requests.get(f"{server.url}/outpack/file/{hash}", stream=True) as download:
        assert download.headers["Content-Length"] == str(SIZE)
        assert "Content-Encoding" not in download.headers
        for chunk in download.raw.stream(1024 * 1024, decode_content=False):
            digest.update(chunk)
    assert "sha256:" + digest.hexdigest() == hash

    assert peak_rss_of_workers(server.process.pid) - before < ALLOWED_GROWTH


def test_a_chunked_upload_is_read_to_its_end(server):
    data = b"chunk " * 100_000
    hash = "sha256:" + hashlib.sha256(data).hexdigest()
    chunks = (data[i : i + 65536] for i in range(0, len(data), 65536))
    response = requests.post(f"{server.url}/outpack/file/{hash}", data=chunks)
    assert response.status_code == 200, response.text
