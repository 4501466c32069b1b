"""Metrics of a real multi-worker `reprostore serve`: one scrape counts every worker.

Before prometheus_client's multiprocess mode each worker counted only its own requests, and a
scrape after `GET /outpack/` missed it about one time in two with five workers.
"""

import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from reprostore.core import gunicorn_conf
from tests.packets.test_metrics import OUTPACK_SERVER as OUTPACK_SERVER_METRICS
from tests.support.locks import writes_blocked
from tests.support.records import record_body
from tests.support.server import add_users, start_server

WORKERS = 4
PASSWORD = "metrics-test-password"
ROOT_GET = {"endpoint": "/", "method": "GET", "status": "200"}

# outpack_server's metrics, and the process metrics a live server adds to them.
OUTPACK_SERVER = {
    **OUTPACK_SERVER_METRICS,
    "process_cpu_seconds": ("counter", set()),
    "process_resident_memory_bytes": ("gauge", set()),
    "process_open_fds": ("gauge", set()),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # A short lock timeout, for the test of a lock that does not clear.
    server, cleanup = start_server(
        tmp_path_factory.mktemp("metrics") / "root",
        workers=WORKERS,
        # /outpack/ answers anonymous callers, as on a trusted network: this is about metrics.
        extra_env={"REPROSTORE_DB_TIMEOUT": "2", "REPROSTORE_OUTPACK_ANONYMOUS": "read"},
    )
    add_users(server, {"ann": PASSWORD}, grants=[("ann", "Locked", "admin")])
    yield server
    cleanup()


def metrics_dir(server) -> Path:
    """The server's PROMETHEUS_MULTIPROC_DIR, as gunicorn logged it at start-up."""
    found = re.search(r"Metrics directory: (\S+)", server.log.read_text())
    assert found, server.log.read_text()
    return Path(found.group(1))


def scrape(server, path="/metrics") -> str:
    response = requests.get(server.url + path, timeout=60)
    assert response.status_code == 200, response.text
    return response.text


def value(text: str, sample_name: str, **labels) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == sample_name and sample.labels == labels:
                return sample.value
    return 0.0


def get(url: str) -> int:
    # A new connection each time (the server closes them after each response anyway), so the
    # requests land on whichever worker accepts first.
    return requests.get(url, timeout=60).status_code


def test_one_scrape_counts_the_requests_of_every_worker(server):
    n, rounds = 40, 6
    expected = value(scrape(server), "http_requests_total", **ROOT_GET)
    sumatra = {"protocol": "sumatra", "route": "records:project_list", "method": "GET"}
    expected_sumatra = value(
        scrape(server), "reprostore_http_requests_total", **sumatra, status="401"
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        for round_ in range(rounds):
            statuses = list(pool.map(get, [server.url + "/outpack/"] * n))
            statuses += list(pool.map(get, [server.url + "/records/"] * 5))
            assert statuses == [200] * n + [401] * 5
            expected += n
            expected_sumatra += 5
            # One scrape, alternately of the server's and the outpack location's path.
            text = scrape(server, "/metrics" if round_ % 2 else "/outpack/metrics")
            assert value(text, "http_requests_total", **ROOT_GET) == expected, round_
            assert value(text, "http_requests_duration_seconds_count", **ROOT_GET) == expected
            total = "reprostore_http_requests_total"
            assert value(text, total, **sumatra, status="401") == expected_sumatra, round_
    # The requests really were spread: several workers wrote counts.
    writers = {path.stem.split("_")[-1] for path in metrics_dir(server).glob("counter_*.db")}
    assert len(writers) >= 2, writers


def test_the_outpack_server_names_are_there_with_their_labels(server):
    get(server.url + "/outpack/")
    found = {family.name: family for family in text_string_to_metric_families(scrape(server))}
    for name, (kind, labels) in OUTPACK_SERVER.items():
        assert found[name].type == kind, name
        assert found[name].samples, name
        for sample in found[name].samples:
            assert set(sample.labels) - {"le"} == labels, sample
    assert found["outpack_server_build_info"].samples[0].labels["version"]


def test_counts_survive_a_worker_that_dies(server):
    for _ in range(20):
        get(server.url + "/outpack/")
    before = value(scrape(server), "http_requests_total", **ROOT_GET)
    directory = metrics_dir(server)
    # A worker that has counted outpack requests (its in-flight gauge file says so).
    pid = int(next(directory.glob("gauge_livesum_*.db")).stem.rsplit("_", 1)[1])
    os.kill(pid, signal.SIGKILL)  # a worker of the server this module started
    deadline = time.monotonic() + 30
    while (directory / f"gauge_livesum_{pid}.db").exists():
        assert time.monotonic() < deadline, "child_exit did not mark the worker dead"
        time.sleep(0.1)
    text = scrape(server)
    assert value(text, "http_requests_total", **ROOT_GET) == before
    assert value(text, "http_requests_in_flight", endpoint="/", method="GET") == 0


def test_a_lock_that_does_not_clear_is_counted(server):
    vendor = "sqlite" if server.database_url is None else "postgresql"
    unavailable = {"protocol": "sumatra"}
    before = scrape(server)
    with writes_blocked(server):
        response = requests.put(
            f"{server.url}/records/Locked/blocked/",
            data=record_body("blocked"),
            auth=("ann", PASSWORD),
            headers={"Content-Type": "application/vnd.sumatra.record-v4+json"},
            timeout=60,
        )
    assert response.status_code == 503, response.text
    text = scrape(server)
    name = "reprostore_database_unavailable_total"
    assert value(text, name, **unavailable) == value(before, name, **unavailable) + 1
    name = "reprostore_database_lock_timeouts_total"
    assert value(text, name, vendor=vendor) == value(before, name, vendor=vendor) + 1
    if vendor == "sqlite":
        # The write waited at BEGIN IMMEDIATE for the 2 s lock timeout.
        name = "reprostore_database_lock_wait_seconds_sum"
        assert value(text, name, vendor=vendor) - value(before, name, vendor=vendor) >= 1.5


@pytest.mark.nodb
def test_a_server_start_makes_its_own_metrics_directory_and_removes_it(monkeypatch):
    environ = {}
    path = gunicorn_conf.prepare_metrics_dir(environ)
    assert environ["PROMETHEUS_MULTIPROC_DIR"] == path and os.listdir(path) == []
    for name, value_ in environ.items():
        monkeypatch.setenv(name, value_)
    gunicorn_conf.on_exit(None)
    assert not os.path.exists(path)


@pytest.mark.nodb
def test_a_given_metrics_directory_is_cleaned_at_start_up(tmp_path):
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "gauge_livesum_123.db").write_bytes(b"stale")
    (tmp_path / "notes.txt").write_text("not ours")
    environ = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    assert gunicorn_conf.prepare_metrics_dir(environ) == str(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert "REPROSTORE_METRICS_TEMP_DIR" not in environ  # not ours to remove at exit
