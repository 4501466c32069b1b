"""The store's secrets on disk are its owner's alone: `.reprostore/` 0700, its files (the key,
the SQLite database and its -wal and -shm files) 0600, and older stores are put right when
they are next started, with a log line (issue 11, item 2)."""

import json
import os
import sqlite3
import stat

import pytest
import requests

from tests.support import databases
from tests.support.records import record_document
from tests.support.server import add_users, reprostore, start_server

pytestmark = pytest.mark.usefixtures("loose_umask")


@pytest.fixture
def loose_umask():
    """The usual umask, which leaves new files readable by everyone unless told otherwise."""
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.fixture
def database_url():
    if databases.test_database() != "postgres":
        yield None
        return
    url = databases.create_postgres_database()
    yield url
    databases.drop_postgres_database(url)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def private_files(own) -> list:
    return [path for path in own.iterdir() if not path.name.endswith(".log")]


def assert_private(own) -> None:
    assert mode(own) == 0o700
    for path in private_files(own):
        assert mode(path) & 0o077 == 0, f"{path.name} is {mode(path):04o}"


def test_a_new_store_is_private(tmp_path, database_url):
    root = tmp_path / "root"
    reprostore("init", root=root, database_url=database_url)
    own = root / ".reprostore"
    assert_private(own)
    assert mode(own / "secret_key") == 0o600
    if database_url is None:
        assert mode(own / "db.sqlite3") == 0o600


def test_an_older_store_is_made_private_when_next_started(tmp_path, database_url):
    root = tmp_path / "root"
    reprostore("init", root=root, database_url=database_url)
    own = root / ".reprostore"
    for path in private_files(own):
        path.chmod(0o644)
    for name in ("db.sqlite3-wal", "db.sqlite3-shm"):
        (own / name).touch(mode=0o644)
    own.chmod(0o755)
    result = reprostore("init", root=root, database_url=database_url)
    assert_private(own)
    assert f"{own} was open to other users (mode 0755); it is now private (mode 0700)" in (
        result.stderr
    )
    assert f"{own / 'secret_key'} was open to other users (mode 0644)" in result.stderr


def test_the_database_files_a_server_writes_are_private(tmp_path):
    server, cleanup = start_server(tmp_path / "root")
    own = server.root / ".reprostore"
    # SQLite removes -wal and -shm when its last connection closes; one held open keeps them.
    reader = sqlite3.connect(own / "db.sqlite3") if server.database_url is None else None
    try:
        if reader is not None:
            reader.execute("SELECT count(*) FROM django_migrations").fetchone()
        add_users(server, {"ann": "ann's password"}, [("ann", "p", "write")])
        body = json.dumps(record_document("r"))
        answer = requests.put(
            f"{server.url}/records/p/r/",
            data=body,
            auth=("ann", "ann's password"),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        assert answer.status_code == 201
        assert_private(own)
        if reader is not None:
            names = {path.name for path in own.iterdir()}
            assert {"db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"} <= names
    finally:
        if reader is not None:
            reader.close()
        cleanup()
