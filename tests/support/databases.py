"""The databases the tests run on, and fresh PostgreSQL databases for live servers."""

import os
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

POSTGRES_URL = os.environ.get(
    "REPROSTORE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
)


# Set by tests/conftest.py for each test: a test marked nodb runs in the SQLite pass only, so it
# must not start what uses the database of the run (a live server).
running_a_nodb_test = False


def test_database() -> str:
    return os.environ.get("REPROSTORE_TEST_DATABASE", "sqlite")


def test_database_url() -> str:
    if test_database() == "postgres":
        return POSTGRES_URL
    # Django's test runner replaces this with its own test database.
    return "sqlite:///" + os.path.join(os.environ["REPROSTORE_ROOT"], "test.sqlite3")


def postgres_admin_dsn() -> str:
    return POSTGRES_URL.replace("postgres://", "postgresql://", 1)


def create_postgres_database() -> str:
    """A new empty database; returns its URL."""
    import psycopg

    name = f"reprostore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_admin_dsn(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_dropper: ThreadPoolExecutor | None = None
_pending_drops: list[Future] = []


def drop_postgres_database_later(url: str) -> None:
    """Drop a database in the background: DROP DATABASE waits for a checkpoint, seconds on a
    busy machine, and no test waits for it. `finish_drops` (end of the session) waits."""
    global _dropper
    if _dropper is None:
        _dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-database")
    _pending_drops.append(_dropper.submit(drop_postgres_database, url))


def finish_drops() -> None:
    """Wait for the background drops; the first that failed raises."""
    while _pending_drops:
        _pending_drops.pop(0).result()
