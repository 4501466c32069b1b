"""Temporary files left by writes that never finished, and their removal.

An upload is written to `.outpack/files/tmp/upload-*` and renamed into the store once its hash
is checked; metadata and location entries are written to `.outpack/.tmp-*` and linked into
place. A crash (or `kill -9`) between the two leaves the temporary file behind, and nothing was
acknowledged for it. Such files are removed once nothing has written to them for an hour: at
start-up (`reprostore serve`), now and then while uploads arrive, and by `reprostore check`.

Servers on several hosts may share the root (docs/scaling.md), so a cleaner must never take
another server's upload for a stale one. An upload holds a lock on its file while it writes
(`hold_while_writing`), and a locked file is never stale; where the file system has no locks
that other hosts see, the age still protects it, measured by the file system's own clock,
which stamps the mtimes, rather than this host's, which may be set differently.
"""

import contextlib
import fcntl
import logging
import os
import re
import socket
import tempfile
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


def writer_prefix(kind: str) -> str:
    """The start of a temporary file's name: what it is, and the host and process writing it,
    so that uploads on hosts sharing a root never pick one name and a leftover says whose it
    is."""
    host = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:64]
    return f"{kind}-{host}-{os.getpid()}-"


def hold_while_writing(fd: int) -> None:
    """Lock the open temporary file `fd` until it is closed, so that no cleaner, on this host or
    another, removes it while it is written (see `in_use`). A file system without locks just
    leaves the file unlocked; its age still protects it."""
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def in_use(path: Path) -> bool:
    """Whether a writer holds the lock of `hold_while_writing` on `path`.

    flock locks belong to an open file, so a writer in this very process counts too. NFS
    emulates them with byte-range locks, for which an exclusive lock needs a file open for
    writing; a file that can't be opened at all, or locked, is left to its age.
    """
    fd = open_to_lock(path)
    if fd is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False  # no locks here: the age alone decides
    finally:
        os.close(fd)
    return False


def open_to_lock(path: Path) -> int | None:
    for flags in (os.O_RDWR, os.O_RDONLY):  # read-only: made so just before its rename
        try:
            return os.open(path, flags | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError:
            continue
    return None


def file_system_now(directory: Path) -> float:
    """The time by the clock that stamps mtimes in `directory`: on NFS the server's, which
    another host's clock may differ from by more than the hour files are given. This host's
    clock when nothing can be written there."""
    try:
        # Named as temporary files are, so that a crash right here leaves nothing for good.
        fd, name = tempfile.mkstemp(dir=directory, prefix=".tmp-" + writer_prefix("clock"))
    except OSError:
        return time.time()
    try:
        return os.fstat(fd).st_mtime
    finally:
        os.close(fd)
        os.unlink(name)


def stale_cutoff(root, max_age: float = STALE_SECONDS) -> float:
    """The mtime before which a temporary file of `root` is stale."""
    directory = root.files_dir / "tmp"
    return file_system_now(directory if directory.is_dir() else root.outpack_dir) - max_age


def stale_files(root, cutoff: float) -> list[tuple[Path, int]]:
    """(path, size) of temporary files not written to since `cutoff` (seconds since 1970, by
    `stale_cutoff`'s clock) and not locked by a writer."""
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
            if stat.st_mtime < cutoff and not in_use(Path(entry.path)):
                found.append((Path(entry.path), stat.st_size))
    return found


def remove_stale(root, max_age: float = STALE_SECONDS, now: float | None = None) -> list:
    """Remove the temporary files nothing has written to for `max_age` seconds; (path, size)
    of each one removed."""
    cutoff = stale_cutoff(root, max_age) if now is None else now - max_age
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
