"""The content-addressed file store: `.outpack/files/<alg>/<hex[:2]>/<hex[2:]>`.

Files are immutable and named by their hash, so a file that exists is complete and correct:
uploads are written to a temporary file, checked, and only then renamed into place.
"""

import os
import tempfile
from pathlib import Path

from .errors import BadRequest, NotFound
from .hashing import ALGORITHMS, check_hash, copy_and_hash, parse_hash


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
    is a human-editable copy, so a candidate counts only if it still has the recorded size.
    """
    hash = parse_hash(hash_text)
    if has_file(root, hash):
        return file_path(root, hash)
    for path, size in archive_candidates:
        if path is not None and path.is_file() and path.stat().st_size == size:
            return path
    raise NotFound(f"hash '{hash_text}' not found")


def put_file(root, hash_text, stream):
    """Store the bytes read from `stream` under `hash_text`; True if the file is new.

    Storing the same content twice is not an error: the second copy is checked and dropped.
    """
    hash = parse_hash(hash_text)
    if not root.accepts_pushes:
        raise BadRequest(no_file_store_message(root), kind="no file store")
    temp_dir = root.files_dir / "tmp"
    temp_dir.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=temp_dir, prefix="upload-")
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
