"""Creating and checking a store: an outpack root plus reprostore's own `.reprostore/` directory."""

import os
import secrets
from pathlib import Path

OWN_DIR = ".reprostore"


class StoreError(Exception):
    """A store that cannot be created or served; the message says why and what to do."""


def is_foreign(root: Path) -> bool:
    """A non-empty directory that is neither an outpack root nor a reprostore store."""
    if not root.is_dir():
        return False
    names = {entry.name for entry in root.iterdir()}
    return bool(names) and not names & {".outpack", OWN_DIR}


def ensure_own_dir(root: Path) -> Path:
    """Create `.reprostore/` with a secret key that every server worker shares."""
    own = root / OWN_DIR
    own.mkdir(parents=True, exist_ok=True)
    key_file = own / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return own


def create_store(root: Path, **outpack_options) -> None:
    """Make `root` a store; idempotent, and refuses to take over a directory it did not make."""
    from reprostore.packets.root import init_root

    if root.exists() and not root.is_dir():
        raise StoreError(f"Cannot create a store at '{root}': it is a file, not a directory")
    if is_foreign(root):
        raise StoreError(
            f"Cannot create a store at '{root}': the directory is not empty and is not an "
            "outpack root or a reprostore store. Choose an empty or new directory."
        )
    try:
        init_root(root, **outpack_options)
    except ValueError as error:
        raise StoreError(str(error)) from error
    ensure_own_dir(root)


def prepare_to_serve(root: Path) -> str:
    """Make sure `root` can be served, creating a new store if there is none yet; an existing
    outpack root is served as it is. Returns one sentence about the root."""
    from reprostore.packets.root import RootError, describe_root, open_root

    if not (root / ".outpack").exists():
        create_store(root)
    try:
        description = describe_root(open_root(root))
    except RootError as error:
        raise StoreError(str(error)) from error
    ensure_own_dir(root)
    return description
