"""Idle and slow clients can't stall `reprostore serve` (issue 11, item 4).

Before, 12 half-open connections made /health time out on a 2-worker server: each held one of
its threads. Now 100 of them, and 20 clients trickling record bodies a byte a second, leave
/health and record PUTs answering at once (well under a second on a quiet machine).
"""

import base64
import json
import socket
import threading
import time

import pytest
import requests

from tests.support.records import record_document
from tests.support.server import add_users, start_server

HALF_OPEN, TRICKLING = 100, 20
USER, PASSWORD = "ann", "ann's password"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server, cleanup = start_server(tmp_path_factory.mktemp("store") / "root", workers=2)
    add_users(server, {USER: PASSWORD}, [(USER, "slow", "write")])
    yield server
    cleanup()


def half_open(server) -> socket.socket:
    """A client that sent a request line and nothing more."""
    connection = socket.create_connection(("127.0.0.1", server.port))
    connection.sendall(b"GET /health HTTP/1.1\r\n")
    return connection


def trickle(server, index: int, stop: threading.Event, opened: list) -> None:
    """A record PUT whose body comes a byte a second."""
    body = json.dumps(record_document(f"trickle-{index}")).encode()
    head = (
        f"PUT /records/slow/trickle-{index}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {AUTH}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    connection = socket.create_connection(("127.0.0.1", server.port))
    opened.append(connection)
    connection.sendall(head)
    for byte in range(len(body)):
        if stop.wait(1.0):
            return
        try:
            connection.sendall(body[byte : byte + 1])
        except OSError:
            return


def timed(call) -> tuple[float, int]:
    start = time.monotonic()
    status = call().status_code
    return time.monotonic() - start, status


def test_idle_and_trickling_clients_do_not_stall_the_server(server):
    put_url = f"{server.url}/records/slow/probe-{{}}/"
    headers = {"Authorization": AUTH, "Content-Type": "application/json", "Connection": "close"}

    def put(index):
        body = json.dumps(record_document(f"probe-{index}"))
        return requests.put(put_url.format(index), data=body, headers=headers, timeout=10)

    for index in range(4):  # each worker has checked the password once, as in a running burst
        assert put(f"warm-{index}").status_code == 201

    opened, stop = [half_open(server) for _ in range(HALF_OPEN)], threading.Event()
    tricklers = [
        threading.Thread(target=trickle, args=(server, index, stop, opened), daemon=True)
        for index in range(TRICKLING)
    ]
    try:
        for thread in tricklers:
            thread.start()
        time.sleep(3)  # every slow client is connected and has sent something
        health = [timed(lambda: requests.get(f"{server.url}/health", timeout=10)) for _ in range(5)]
        puts = [timed(lambda i=i: put(i)) for i in range(5)]
    finally:
        stop.set()
        for connection in opened:
            connection.close()
    assert [status for _, status in health] == [200] * 5
    assert [status for _, status in puts] == [201] * 5
    # A stalled server answers when the slow clients are done, minutes later; 5 s leaves room for
    # a loaded test machine (answers take well under a second on a quiet one).
    slowest = max(seconds for seconds, _ in health + puts)
    assert slowest < 5.0, (health, puts)


@pytest.mark.nodb
def test_serve_runs_gevent_workers_that_close_each_connection_and_share_a_pool():
    from reprostore.core.management.commands.serve import Command

    options = {
        "host": "127.0.0.1",
        "port": 8000,
        "workers": 2,
        "worker_class": "gevent",
        "connections": 1000,
        "threads": 4,
        "access_log": False,
    }
    argv = Command().gunicorn_argv(options)
    pairs = dict(zip(argv, argv[1:], strict=False))
    assert pairs["--worker-class"] == "gevent"
    assert pairs["--worker-connections"] == "1000"
    assert pairs["--keep-alive"] == "0"  # httplib2 does not retry a connection closed under it
    assert "--no-sendfile" in argv  # gevent's sendfile sends 8 KB at a time (lib/http.py)
    assert pairs["--config"] == "python:reprostore.core.gunicorn_conf"  # /metrics of all workers
    assert Command().server_environ(options)["REPROSTORE_DB_POOL"] == "6"


@pytest.mark.nodb
def test_a_pool_replaces_persistent_connections():
    from reprostore.lib.database import database_config

    config = database_config("postgres://u@h/db", conn_max_age=60, pool_size=6)
    assert config["CONN_MAX_AGE"] == 0
    assert config["OPTIONS"]["pool"]["max_size"] == 6
    assert "pool" not in database_config("postgres://u@h/db")["OPTIONS"]
