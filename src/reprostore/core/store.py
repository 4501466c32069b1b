"""Creating and checking a store: an outpack root plus reprostore's own `.reprostore/` directory."""

from pathlib import Path

from reprostore.lib.private_dir import OWN_DIR, ensure_own_dir
from reprostore.packets.root import RootError, describe_root, init_root, open_root


class StoreError(Exception):
    """A store that cannot be created or served; the message says why and what to do."""


def is_foreign(root: Path) -> bool:
    """A non-empty directory that is neither an outpack root nor a reprostore store."""
    if not root.is_dir():
        return False
    names = {entry.name for entry in root.iterdir()}
    return bool(names) and not names & {".outpack", OWN_DIR}


def create_store(root: Path, **outpack_options) -> None:
    """Make `root` a store; idempotent, and refuses to take over a directory it did not make."""
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
    if not (root / ".outpack").exists():
        create_store(root)
    try:
        description = describe_root(open_root(root))
    except RootError as error:
        raise StoreError(str(error)) from error
    ensure_own_dir(root)
    return description
