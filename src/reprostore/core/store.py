"""Creating and checking a store: an outpack root plus reprostore's own `.reprostore/` directory."""

import contextlib
import sqlite3
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, connection

from reprostore.lib.conf import setting
from reprostore.lib.database import display_url
from reprostore.lib.filesystems import filesystem_type, is_network_type
from reprostore.lib.private_dir import OWN_DIR, create_private_file, ensure_own_dir, make_private
from reprostore.packets.root import RootError, describe_root, init_root, open_root
from reprostore.packets.temporary import remove_stale


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
    secure_database_files()


def prepare_to_serve(root: Path) -> str:
    """Make sure `root` can be served, creating a new store if there is none yet; an existing
    outpack root is served as it is. Returns one sentence about the root."""
    if not (root / ".outpack").exists():
        create_store(root)
    try:
        outpack_root = open_root(root)
    except RootError as error:
        raise StoreError(str(error)) from error
    ensure_own_dir(root)
    secure_database_files()
    # Writes cut off when the last server stopped (a crash, `kill -9`) left temporary files.
    remove_stale(outpack_root)
    return describe_root(outpack_root)


def check_database_placement(root: Path, name: Path | None, mountinfo: str | None = None):
    """Refuse to serve the SQLite database `name` (None: not SQLite) when it, or the root, lies
    on a network file system, which another host could share (lib/filesystems.py), unless
    REPROSTORE_SQLITE_ON_NETWORK_FS says that this host alone will ever serve the store.
    `mountinfo`: the mount table, if not this machine's."""
    if name is None or setting("REPROSTORE_SQLITE_ON_NETWORK_FS"):
        return
    advice = (
        "use PostgreSQL for several hosts (REPROSTORE_DATABASE_URL=postgres://...), or set "
        "REPROSTORE_SQLITE_ON_NETWORK_FS=true if only this host will ever serve this store "
        "(docs/scaling.md)"
    )
    fs_type = filesystem_type(name, mountinfo)
    if fs_type and is_network_type(fs_type):
        raise StoreError(
            f"The SQLite database '{name}' is on a network file system ({fs_type}), where "
            f"SQLite's locks are unsafe once another host opens it: {advice}"
        )
    fs_type = filesystem_type(root, mountinfo)
    if fs_type and is_network_type(fs_type):
        raise StoreError(
            f"The root '{root}' is on a network file system ({fs_type}) that other hosts may "
            f"share, but its SQLite database '{name}' is this host's alone, so a server on "
            f"another host would keep other records: {advice}"
        )


def sqlite_path() -> Path | None:
    """The file of the SQLite database; None for PostgreSQL or SQLite in memory."""
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if not database["ENGINE"].endswith("sqlite3") or not Path(name).is_absolute():
        return None
    return Path(name)


# The key of the PostgreSQL advisory lock that servers take in turns to migrate ("rsmg").
MIGRATION_LOCK = 0x72736D67


def migrate_database() -> None:
    """Create or update the database's tables; StoreError in one line if it can't be reached."""
    try:
        with migration_turn():
            call_command("migrate", interactive=False, verbosity=0)
    except OperationalError as error:
        reason = (str(error).strip().splitlines() or ["no reason given"])[0]
        url = display_url(settings.REPROSTORE_DATABASE_URL)
        raise StoreError(
            f"Can't use the database {url} (REPROSTORE_DATABASE_URL or --database): {reason}"
        ) from None


@contextlib.contextmanager
def migration_turn():
    """Servers on several hosts that start at once on one PostgreSQL database (after an
    upgrade, say) would each apply the same migrations, and all but one fail ("duplicate key
    value violates unique constraint"): they take turns, and the later ones find nothing left
    to do. The wait is not bounded by lock_timeout: a long migration is not a stuck one.
    (SQLite's write lock already makes one migration wait for another.)"""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 0")
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
        cursor.execute("RESET lock_timeout")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])


# One SQLite connection per server process, open for the life of the process (see below).
_wal_holder = None


def hold_sqlite_wal_open() -> None:
    """Keep a SQLite database's WAL files in place while the server runs.

    SQLite deletes the -wal and -shm files when the last connection closes, and every request
    opens and closes its own; the next one must create them again. On a full disk it can't, and
    then even reads fail ("disk I/O error"). An idle connection held by each worker keeps them,
    so that a full disk stops only writes (507) and reads go on.
    """
    global _wal_holder
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if not database["ENGINE"].endswith("sqlite3") or not Path(name).is_absolute():
        return
    _wal_holder = sqlite3.connect(name, check_same_thread=False)
    _wal_holder.execute("SELECT count(*) FROM sqlite_master").fetchone()


def secure_database_files() -> None:
    """A SQLite database, wherever it is, and its -wal and -shm files are readable by their owner
    only: a new one is created empty with mode 0600 before Django opens it."""
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if not database["ENGINE"].endswith("sqlite3") or not Path(name).is_absolute():
        return  # PostgreSQL, or an in-memory test database
    path = Path(name)
    create_private_file(path)
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        make_private(each)
