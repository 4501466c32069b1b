"""The content-addressed file store: `.outpack/files/<alg>/<hex[:2]>/<hex[2:]>`.

Files are immutable and named by their hash, so a file that exists is complete and correct:
uploads are written to a temporary file, checked, and only then renamed into place.
"""

import contextlib
import functools
import os
import tempfile
from pathlib import Path

from .errors import BadRequest, NotFound
from .hashing import ALGORITHMS, check_hash, copy_and_hash, hash_file, parse_hash
from .temporary import hold_while_writing, writer_prefix


def file_path(root, hash):
    """The store path for a parsed hash, or None if no stored file can have that name."""
    if not root.core.use_file_store or not hash.is_canonical:
        return None
    return root.files_dir / hash.algorithm / hash.value[:2] / hash.value[2:]


def has_file(root, hash):
    path = file_path(root, hash)
    return path is not None and path.is_file()


def find_file(root, hash_text, archive_candidates=()):
    """The path of the file with this hash, from the store or else from the path archive.

    `archive_candidates` are `(path, size)` pairs the index knows for this hash; the archive
    is a human-editable copy, so a candidate counts only if it is still that file (see
    `archived_copy`).
    """
    hash = parse_hash(hash_text)
    if has_file(root, hash):
        return file_path(root, hash)
    for path, size in archive_candidates:
        if (found := archived_copy(root, path, size, hash)) is not None:
            return found
    raise NotFound(f"hash '{hash_text}' not found")


def archived_copy(root, path, size, hash):
    """The real path of an archive file if it may be served under `hash`, else None.

    Anyone with access to the root may have edited the archive: a link in it is followed only
    while it stays inside the archive, and the file must still have its recorded size and
    hash. Hashing is done once per version of a file (`archive_hash` is cached).
    """
    if path is None or root.archive_dir is None:
        return None
    try:
        real = path.resolve(strict=True)
        stat = real.stat()
    except (OSError, RuntimeError):  # missing, a dangling link, a loop of links
        return None
    if not real.is_relative_to(root.archive_dir.resolve()) or not real.is_file():
        return None
    if stat.st_size != size:
        return None
    found = archive_hash(str(real), stat.st_ino, stat.st_size, stat.st_mtime_ns, hash.algorithm)
    return real if found == hash else None


@functools.lru_cache(maxsize=65536)
def archive_hash(path, inode, size, mtime_ns, algorithm):
    """The hash of an archive file, remembered while its inode, size and mtime stay the same."""
    try:
        return hash_file(path, algorithm)
    except OSError:
        return None


def put_file(root, hash_text, stream):
    """Store the bytes read from `stream` under `hash_text`; True if the file is new.

    Storing the same content twice is not an error: the second copy is checked and dropped.
    """
    hash = parse_hash(hash_text)
    if not root.accepts_pushes:
        raise BadRequest(no_file_store_message(root), kind="no file store")
    temp_dir = root.files_dir / "tmp"
    temp_dir.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=temp_dir, prefix=writer_prefix("upload"))
    hold_while_writing(fd)
    try:
        with os.fdopen(fd, "wb") as f:
            found, _ = copy_and_hash(stream, f, hash.algorithm)
        check_hash(hash, found)
        return move_into_store(root, hash, Path(temp))
    finally:
        Path(temp).unlink(missing_ok=True)


def move_into_store(root, hash, temp):
    destination = file_path(root, hash)
    if destination.exists():
        touch(destination)
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Read-only like pyorderly's store: a stored file must never change under its name.
    temp.chmod(0o444)
    os.replace(temp, destination)
    return True


def no_file_store_message(root):
    return (
        f"This outpack root has no file store (its core.use_file_store is false, files are "
        f"kept only in the path archive '{root.core.path_archive}'), so it can't accept "
        "pushed files; push to a root created with a file store instead"
    )


def store_stats(root):
    """(number of files, total bytes) in the store, for the metrics."""
    count = size = 0
    for algorithm in ALGORITHMS:
        for dirpath, _, filenames in os.walk(root.files_dir / algorithm):
            for name in filenames:
                count += 1
                size += os.lstat(os.path.join(dirpath, name)).st_size
    return count, size


def touch(path):
    """Restart a stored file's grace period before `reprostore gc` may remove it as an orphan:
    a push uploads (or asks about) its files first and names them in its metadata after."""
    with contextlib.suppress(OSError):  # a read-only store keeps no orphans to collect anyway
        os.utime(path)
