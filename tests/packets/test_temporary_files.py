"""Uploads cut off by a crash leave temporary files; they are removed at start-up and now and
then while uploads arrive, never while an upload is still writing (issue 12)."""

import io
import os
import time

from reprostore.core.store import prepare_to_serve
from reprostore.packets import operations, temporary
from reprostore.packets.root import open_root

from .conftest import sha256


def leave(path, data=b"x" * 4096, hours_ago=2.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - hours_ago * 3600
    os.utime(path, (then, then))
    return path


def test_stale_temporary_files_are_removed_and_fresh_ones_kept(empty_root):
    outpack = empty_root / ".outpack"
    cut = leave(outpack / "files" / "tmp" / "upload-cut")
    link = leave(outpack / ".tmp-cut")
    writing = leave(outpack / "files" / "tmp" / "upload-writing", hours_ago=0)
    stored_metadata = leave(outpack / "metadata" / "20240101-120000-0123abcd")
    removed = temporary.remove_stale(open_root(empty_root))
    assert sorted(path for path, _ in removed) == sorted([cut, link])
    assert not cut.exists() and not link.exists()
    assert writing.exists() and stored_metadata.exists()


def test_an_upload_removes_stale_files_now_and_then(client, empty_root):
    temporary._last_look.clear()
    cut = leave(empty_root / ".outpack" / "files" / "tmp" / "upload-cut")
    data = b"new file"
    operations.do_upload_file(open_root(empty_root), sha256(data), io.BytesIO(data))
    assert not cut.exists()
    again = leave(empty_root / ".outpack" / "files" / "tmp" / "upload-cut-again")
    operations.do_upload_file(open_root(empty_root), sha256(data), io.BytesIO(data))
    assert again.exists()  # not before INTERVAL_SECONDS have passed


def test_serve_removes_stale_files_at_start_up(empty_root):
    cut = leave(empty_root / ".outpack" / "files" / "tmp" / "upload-cut", b"x" * 300_000)
    prepare_to_serve(empty_root)
    assert not cut.exists()
