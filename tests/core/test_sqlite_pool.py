"""SQLite connections are pooled per process under `reprostore serve` (issue 13).

Every gevent request opened and closed its own SQLite connection, ~10% of a worker's CPU under
record PUTs. With a pool size (which `serve` sets for gevent workers) a closed connection waits
in its process for the next request instead: never shared, never used after a fork, never kept
inside a transaction or broken, at most `pool_size` of them, and with foreign keys on again.
"""

import base64
import json
import os
import sqlite3
import textwrap

import pytest
import requests
from django.db import ProgrammingError
from django.db.utils import ConnectionHandler

from reprostore.lib import database
from reprostore.lib.pooled_sqlite3 import base as pooled
from tests.support.records import record_document
from tests.support.server import add_users, start_server

ALIAS = "default"  # of a ConnectionHandler of our own, not django.db.connections


@pytest.fixture
def wrappers(tmp_path, django_db_blocker, monkeypatch):
    """A function making DatabaseWrappers (one per greenlet, as in a worker) on a SQLite file
    with a pool of 2; `wrappers.opened` counts the sqlite3 connections opened."""
    config = database.database_config(f"sqlite:///{tmp_path}/db.sqlite3", pool_size=2)
    handler = ConnectionHandler({ALIAS: config})
    opened = []
    connect = sqlite3.dbapi2.connect

    def counting_connect(*args, **kwargs):
        opened.append(args or kwargs)
        return connect(*args, **kwargs)

    monkeypatch.setattr(sqlite3.dbapi2, "connect", counting_connect)

    def connected():
        wrapper = handler.create_connection(ALIAS)
        wrapper.ensure_connection()
        return wrapper

    connected.opened = opened
    with django_db_blocker.unblock():
        yield connected
    for pool in pooled._pools.values():
        for connection in pool.idle:
            connection.close()
    pooled._pools.clear()


def idle(wrapper) -> list:
    return wrapper.pool.idle


@pytest.mark.nodb
def test_only_a_pool_size_selects_the_pooled_backend(tmp_path):
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    assert database.database_config(url)["ENGINE"] == "django.db.backends.sqlite3"
    assert "pool_size" not in database.database_config(url)["OPTIONS"]
    config = database.database_config(url, pool_size=6)
    assert config["ENGINE"] == "reprostore.lib.pooled_sqlite3"
    assert config["OPTIONS"]["pool_size"] == 6
    # reprostore.core.store tells SQLite from PostgreSQL by this ending (WAL holder, file modes).
    assert config["ENGINE"].endswith("sqlite3")
    wrapper = ConnectionHandler({ALIAS: config}).create_connection(ALIAS)
    assert "pool_size" not in wrapper.get_connection_params()  # sqlite3.connect would refuse it


@pytest.mark.nodb
def test_a_closed_connection_serves_the_next_request(wrappers):
    first = wrappers()
    connection = first.connection
    first.close()
    assert first.connection is None and idle(first) == [connection]
    second = wrappers()
    assert second.connection is connection
    assert second.cursor().execute("SELECT 1").fetchone() == (1,)
    assert len(wrappers.opened) == 1


@pytest.mark.nodb
def test_connections_in_use_are_never_shared_and_the_pool_is_bounded(wrappers):
    in_use = [wrappers() for _ in range(3)]
    connections = [wrapper.connection for wrapper in in_use]
    assert len({id(connection) for connection in connections}) == 3
    for wrapper in in_use:
        wrapper.close()
    assert idle(in_use[0]) == connections[:2]  # pool_size 2: the third was really closed
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connections[2].execute("SELECT 1")
    again = [wrappers(), wrappers(), wrappers()]
    assert {id(wrapper.connection) for wrapper in again[:2]} == {id(c) for c in connections[:2]}
    assert again[2].connection is not connections[2]
    assert len(wrappers.opened) == 4


@pytest.mark.nodb
def test_an_open_transaction_is_rolled_back_before_pooling(wrappers, tmp_path):
    first = wrappers()
    first.cursor().execute("CREATE TABLE t (x)")
    first.connection.execute("BEGIN IMMEDIATE")
    first.connection.execute("INSERT INTO t VALUES (1)")
    connection = first.connection
    first.close()
    assert idle(first) == [connection] and not connection.in_transaction
    # The write lock is free again, and the insert never happened.
    other = sqlite3.connect(tmp_path / "db.sqlite3", timeout=0)
    other.execute("INSERT INTO t VALUES (2)")
    other.commit()
    assert other.execute("SELECT x FROM t").fetchall() == [(2,)]
    other.close()


@pytest.mark.nodb
def test_a_connection_closed_in_an_atomic_block_or_broken_is_really_closed(wrappers):
    inside = wrappers()
    inside.in_atomic_block = True  # what `close()` inside `transaction.atomic()` sees
    inside.close()  # Django keeps `inside.connection` until the block ends: it must be closed
    with pytest.raises(ProgrammingError):
        inside.cursor().execute("SELECT 1")
    assert idle(inside) == []
    broken = wrappers()
    broken.connection.close()  # e.g. its file went away under it
    broken.errors_occurred = True
    assert not broken.is_usable()
    broken.close()
    assert idle(broken) == []
    healthy = wrappers()
    healthy.errors_occurred = True  # an error that left the connection working: it is kept
    healthy.close()
    assert len(idle(healthy)) == 1


@pytest.mark.nodb
def test_foreign_keys_and_the_query_deadline_are_reset(wrappers):
    first = wrappers()
    assert first.disable_constraint_checking()
    first.connection.set_progress_handler(lambda: 1, 1)  # would abort every statement
    connection = first.connection
    first.close()
    second = wrappers()
    assert second.connection is connection
    assert second.cursor().execute("PRAGMA foreign_keys").fetchone() == (1,)


@pytest.mark.nodb
def test_a_forked_child_neither_uses_nor_closes_its_parents_connections(wrappers):
    parent = wrappers()
    inherited = parent.connection
    parent.close()
    assert idle(parent) == [inherited]
    holding = wrappers()  # a request in progress at the fork
    held = holding.connection
    assert held is inherited
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through the pipe)
        verdict = "ok"
        try:
            holding.close()
            assert held in pooled._inherited
            fresh = wrappers()
            mine = fresh.connection
            assert mine is not inherited and fresh.pool is not parent.pool
            fresh.close()
            assert idle(fresh) == [mine]
        except BaseException as error:  # noqa: BLE001 (anything is a failure to report)
            verdict = repr(error)
        os.write(writing, verdict.encode())
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading) as pipe:
        verdict = pipe.read()
    os.waitpid(child, 0)
    assert verdict == "ok"
    # The child closed nothing of ours: the connection still works here.
    assert held.execute("SELECT 1").fetchone() == (1,)
    assert len(wrappers.opened) == 1


@pytest.mark.nodb
def test_a_pool_of_another_process_id_is_left_alone(wrappers, monkeypatch):
    parent = wrappers()
    inherited = parent.connection
    parent.close()
    other_pid = os.getpid() + 1
    monkeypatch.setattr(pooled.os, "getpid", lambda: other_pid)
    child = wrappers()
    assert child.connection is not inherited
    assert inherited in pooled._inherited and inherited.execute("SELECT 1").fetchone() == (1,)


COUNTER = """
    # Counts sqlite3 connections opened by every process of the server: one line, its pid.
    import os
    import sqlite3
    import sqlite3.dbapi2

    _connect = sqlite3.dbapi2.connect

    def counting_connect(*args, **kwargs):
        with open(os.environ["SQLITE_CONNECT_LOG"], "a") as log:
            log.write(f"{os.getpid()}\\n")
        return _connect(*args, **kwargs)

    sqlite3.connect = sqlite3.dbapi2.connect = counting_connect
"""
USER, PASSWORD = "ann", "ann's password"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@pytest.mark.sqlite
def test_a_gevent_worker_reuses_its_connections_and_writes_commit(tmp_path):
    counter = tmp_path / "counter"
    counter.mkdir()
    (counter / "sitecustomize.py").write_text(textwrap.dedent(COUNTER))
    log = tmp_path / "connects.log"
    pythonpath = os.pathsep.join(filter(None, [str(counter), os.environ.get("PYTHONPATH")]))
    server, cleanup = start_server(
        tmp_path / "root",
        workers=1,
        extra_env={"PYTHONPATH": pythonpath, "SQLITE_CONNECT_LOG": str(log)},
    )
    try:
        add_users(server, {USER: PASSWORD}, [(USER, "pool", "write")])
        headers = {"Authorization": AUTH, "Content-Type": "application/json"}

        def worker_connects() -> int:
            pids = log.read_text().split()
            return sum(pid != str(server.process.pid) for pid in pids)

        def put_and_get(label: str) -> None:
            url = f"{server.url}/records/pool/{label}/"
            body = json.dumps(record_document(label))
            assert requests.put(url, data=body, headers=headers, timeout=30).status_code == 201
            got = requests.get(url, headers={**headers, "Accept": "application/json"}, timeout=30)
            assert got.status_code == 200 and got.json()["label"] == label

        put_and_get("warm-up")
        before = worker_connects()
        for index in range(30):
            put_and_get(f"r{index}")
        opened = worker_connects() - before
    finally:
        cleanup()
    assert before >= 1  # the counter sees the worker's connections
    assert opened <= 2, f"{opened} connections opened for 60 requests"
    # Committed, as another connection sees it.
    with sqlite3.connect(server.root / ".reprostore" / "db.sqlite3") as reader:
        (count,) = reader.execute(
            "SELECT count(*) FROM records_record r JOIN records_project p ON p.id = r.project_id"
            " WHERE p.name = 'pool'"
        ).fetchone()
    assert count == 31
