"""The store's own directory, `.reprostore/` beside `.outpack/`: the secret key and, with
SQLite, the database. Created by whichever command first needs it.

Both are secrets: the database holds password hashes, private records and live session keys,
and the key signs sessions. So the directory is made 0700 and its files 0600, whatever the
umask; stores made before that are put right by `ensure_own_dir` (each change logged).
"""

import contextlib
import logging
import os
import secrets
import stat
import tempfile
from pathlib import Path

OWN_DIR = ".reprostore"
# Group and others may not even list the directory.
OTHERS = stat.S_IRWXG | stat.S_IRWXO

log = logging.getLogger(__name__)


def ensure_own_dir(root: Path) -> Path:
    """Create `.reprostore/` (private) with a secret key that every server worker shares."""
    own = root / OWN_DIR
    own.mkdir(mode=0o700, parents=True, exist_ok=True)
    make_private(own)
    key_file = own / "secret_key"
    if not key_file.exists():
        write_key(key_file)
    return own


def write_key(key_file: Path) -> None:
    """A new secret key, unless another process (servers on several hosts starting at once on
    a new store) wrote one first: written whole to a private temporary file, then linked into
    place, so that every process reads the one key, never a half-written file."""
    fd, temp = tempfile.mkstemp(dir=key_file.parent, prefix=".secret_key-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        os.link(temp, key_file)
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)


def make_private(path: Path) -> None:
    """Take away group's and others' access to `path` and, for a directory, to all it holds."""
    restrict(path)
    if path.is_dir():
        for folder, dirs, files in os.walk(path):
            for name in dirs + files:
                restrict(Path(folder) / name)


def restrict(path: Path) -> None:
    try:
        mode = stat.S_IMODE(path.lstat().st_mode)
    except FileNotFoundError:
        return
    if path.is_symlink() or not mode & OTHERS:
        return
    os.chmod(path, mode & ~OTHERS)
    log.warning(
        "%s was open to other users (mode %04o); it is now private (mode %04o)",
        path,
        mode,
        mode & ~OTHERS,
    )


def create_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist (SQLite makes a database of an
    empty file, and gives its -wal and -shm files the database file's mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
