"""A burst of successful `smt`-style clients is never throttled, even with tiny limits: the
challenge round trip (401 without credentials) and verified credentials are not failures."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.records import record_document
from tests.support.server import add_users, start_server

CLIENTS = 40


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    limits = {
        "REPROSTORE_LOGIN_FAILURES_PER_USER": "2",
        "REPROSTORE_LOGIN_FAILURES_PER_ADDRESS": "2",
    }
    server, cleanup = start_server(tmp_path_factory.mktemp("store") / "root", extra_env=limits)
    add_users(server, {"ann": "ann's password"}, [("ann", "burst", "write")])
    yield server
    cleanup()


def one_job(server, index: int) -> list[int]:
    """What httplib2 does for each PUT of a run: ask without credentials, get the challenge,
    ask again with them."""
    url = f"{server.url}/records/burst/job-{index}/"
    body = json.dumps(record_document(f"job-{index}"))
    headers = {"Content-Type": "application/vnd.sumatra.record-v4+json"}
    statuses = [requests.put(url, data=body, headers=headers, timeout=300).status_code]
    for _ in range(3):
        answer = requests.put(
            url, data=body, headers=headers, auth=("ann", "ann's password"), timeout=300
        )
        statuses.append(answer.status_code)
    return statuses


def test_a_burst_of_successful_clients_is_never_throttled(server):
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda index: one_job(server, index), range(CLIENTS)))
    assert all(statuses[0] == 401 for statuses in results)
    assert all(statuses[1] == 201 and statuses[2:] == [200, 200] for statuses in results), results
    # And the limits are live: two wrong passwords lock the address.
    wrong = [
        requests.get(f"{server.url}/records/", auth=("ann", "nope"), timeout=60).status_code
        for _ in range(3)
    ]
    assert wrong == [401, 401, 429]
