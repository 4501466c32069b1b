"""Temporary files left by writes that never finished, and their removal.

An upload is written to `.outpack/files/tmp/upload-*` and renamed into the store once its hash
is checked; metadata and location entries are written to `.outpack/.tmp-*` and linked into
place. A crash (or `kill -9`) between the two leaves the temporary file behind, and nothing was
acknowledged for it. Such files are removed once nothing has written to them for an hour: at
start-up (`reprostore serve`), now and then while uploads arrive, and by `reprostore check`.
"""

import logging
import os
import threading
import time
from pathlib import Path

# An upload in progress writes to its file every few seconds at the slowest; one untouched for
# an hour was cut off.
STALE_SECONDS = 3600
# How often uploads look for stale files, per process.
INTERVAL_SECONDS = 600

log = logging.getLogger(__name__)
_last_look = {}
_lock = threading.Lock()


def stale_files(root, cutoff: float) -> list[tuple[Path, int]]:
    """(path, size) of temporary files not written to since `cutoff` (seconds since 1970)."""
    found = []
    places = [(root.files_dir / "tmp", ""), (root.outpack_dir, ".tmp-")]
    for directory, prefix in places:
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if not entry.name.startswith(prefix) or not entry.is_file(follow_symlinks=False):
                continue
            stat = entry.stat(follow_symlinks=False)
            if stat.st_mtime < cutoff:
                found.append((Path(entry.path), stat.st_size))
    return found


def remove_stale(root, max_age: float = STALE_SECONDS, now: float | None = None) -> list:
    """Remove the temporary files nothing has written to for `max_age` seconds; (path, size)
    of each one removed."""
    cutoff = (time.time() if now is None else now) - max_age
    removed = stale_files(root, cutoff)
    for path, _ in removed:
        path.unlink(missing_ok=True)
    if removed:
        total = sum(size for _, size in removed)
        log.warning("Removed %d stale temporary files (%d bytes)", len(removed), total)
    return removed


def remove_stale_now_and_then(root) -> None:
    """`remove_stale`, at most once per INTERVAL_SECONDS per root in this process."""
    key = str(root.path)
    with _lock:
        if time.monotonic() - _last_look.get(key, -INTERVAL_SECONDS) < INTERVAL_SECONDS:
            return
        _last_look[key] = time.monotonic()
    try:
        remove_stale(root)
    except OSError as error:  # a cleanup must never fail the upload that triggered it
        log.warning("Could not remove stale temporary files: %s", error)
