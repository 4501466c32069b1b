"""Files in the store that no packet uses, and their removal (`reprostore gc`).

A push uploads its files first and its metadata last, so a file that no packet names yet may be
on its way into one. Only a file that has waited longer than the grace period is an orphan; the
wait restarts whenever a push uploads the file again or asks whether the server has it
(`files.touch`). Interrupted uploads left in `files/tmp/` are removed after the same wait.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import index
from .errors import RootError
from .hashing import ALGORITHMS
from .models import PacketFile

BATCH = 500


@dataclass
class Collection:
    """What `collect_orphans` found: orphans removed (or that would be), and how many unused
    files it kept because they are younger than the grace period."""

    removed: list[tuple[str, int]] = field(default_factory=list)
    young: int = 0
    interrupted: list[tuple[str, int]] = field(default_factory=list)

    @property
    def freed(self) -> int:
        return sum(size for _, size in self.removed + self.interrupted)


def stored_files(root):
    """(hash, path, stat) of every file in the store: `<algorithm>/<2 hex>/<rest of hex>`; no
    other file is ours to remove."""
    for algorithm in ALGORITHMS:
        base = root.files_dir / algorithm
        for dirpath, _, filenames in os.walk(base):
            prefix = Path(dirpath).name
            if Path(dirpath).parent != base or len(prefix) != 2:
                continue
            for name in filenames:
                path = Path(dirpath) / name
                yield f"{algorithm}:{prefix}{name}", path, path.lstat()


def used_hashes(hashes) -> set[str]:
    """The hashes among `hashes` that some indexed packet lists."""
    hashes, used = sorted(hashes), set()
    for start in range(0, len(hashes), BATCH):
        chunk = hashes[start : start + BATCH]
        used |= set(PacketFile.objects.filter(hash__in=chunk).values_list("hash", flat=True))
    return used


def check_index_complete(root) -> None:
    """A metadata file the index could not read may name files: then none can be removed."""
    problems = index.sync_index(root, force=True, log=False)
    unreadable = [m for path, m in problems if path.startswith(str(root.metadata_dir))]
    if unreadable:
        raise RootError(
            f"Can't tell which files are used, so none was removed: {unreadable[0]} "
            "(fix or remove the file, then run `reprostore reindex`)"
        )


def collect_orphans(root, grace_seconds: float, *, dry_run=False, now=None) -> Collection:
    """Remove the files no packet uses that have waited `grace_seconds` (none with `dry_run`)."""
    collection = Collection()
    if not root.core.use_file_store:
        return collection
    now = time.time() if now is None else now
    old, young = {}, set()
    for hash, path, stat in stored_files(root):
        if stat.st_mtime < now - grace_seconds:
            old[hash] = (path, stat.st_size)
        else:
            young.add(hash)
    # Read after the files were listed: a packet indexed meanwhile keeps its files.
    check_index_complete(root)
    used = used_hashes(old.keys() | young)
    collection.young = len(young - used)
    for hash, (path, size) in sorted(old.items()):
        if hash in used:
            continue
        if not dry_run and not remove_if_still_old(path, now - grace_seconds):
            collection.young += 1
            continue
        collection.removed.append((hash, size))
    collection.interrupted = remove_interrupted(root, now - grace_seconds, dry_run)
    return collection


def remove_if_still_old(path, cutoff) -> bool:
    """Unlink `path` unless a push touched it since it was listed; True if it is gone."""
    try:
        if path.lstat().st_mtime >= cutoff:
            return False
        path.unlink()
    except FileNotFoundError:
        pass
    return True


def remove_interrupted(root, cutoff, dry_run) -> list[tuple[str, int]]:
    """Temporary files of uploads that never finished, older than the cutoff."""
    removed = []
    try:
        entries = list(os.scandir(root.files_dir / "tmp"))
    except FileNotFoundError:
        return removed
    for entry in entries:
        stat = entry.stat(follow_symlinks=False)
        if entry.is_file(follow_symlinks=False) and stat.st_mtime < cutoff:
            if not dry_run:
                Path(entry.path).unlink(missing_ok=True)
            removed.append((entry.name, stat.st_size))
    return removed
