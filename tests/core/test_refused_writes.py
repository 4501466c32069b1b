"""Both protocols answer a write the database refuses alike: 503 with Retry-After, in their own
envelope, and the write succeeds once the database takes writes again."""

import pytest
import requests

from tests.support.locks import writes_blocked
from tests.support.records import record_body
from tests.support.server import add_users, start_server
from tests.web.support import packet_metadata, sha256

PASSWORD = "refused-writes-password"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Anonymous pushes, as on a trusted network: the test is about the database, not access.
    server, cleanup = start_server(
        tmp_path_factory.mktemp("store") / "root",
        extra_env={"REPROSTORE_DB_TIMEOUT": "1", "REPROSTORE_OUTPACK_ANONYMOUS": "write"},
    )
    add_users(server, {"ann": PASSWORD}, grants=[("ann", "Locked", "admin")])
    yield server
    cleanup()


def put_record(server, label):
    return requests.put(
        f"{server.url}/records/Locked/{label}/",
        data=record_body(label),
        auth=("ann", PASSWORD),
        headers={"Content-Type": "application/vnd.sumatra.record-v4+json"},
        timeout=60,
    )


def push_metadata(server, body):
    return requests.post(f"{server.url}/outpack/packet/{sha256(body)}", data=body, timeout=60)


def test_a_refused_record_and_a_refused_push_are_both_503_with_retry_after(server):
    data = b"result\n"
    assert requests.post(f"{server.url}/outpack/file/{sha256(data)}", data=data).ok
    packet_id, body = packet_metadata("refused", {"result.txt": data})
    with writes_blocked(server, ("records_record", "packets_packet")):
        record = put_record(server, "refused")
        push = push_metadata(server, body)

    assert (record.status_code, push.status_code) == (503, 503)
    assert record.headers["Retry-After"] == push.headers["Retry-After"]
    assert "database" in record.json()["error"]
    envelope = push.json()
    assert envelope["status"] == "failure" and envelope["data"] is None
    assert "database" in envelope["errors"][0]["detail"]

    # Once the database takes writes, retrying each succeeds and both are there.
    assert put_record(server, "refused").status_code == 201
    assert push_metadata(server, body).status_code == 200
    listed = requests.get(f"{server.url}/outpack/metadata/list", timeout=30).json()["data"]
    assert [entry["packet"] for entry in listed] == [packet_id]
