"""schemathesis against a live `reprostore serve`, for every kind of caller: no server errors, and
every answer is one /openapi.json describes (status, media type, headers, body) (issue 12).

All four phases run (the schema's examples, coverage of each constraint, fuzzing, and stateful
sequences that follow the links between operations), with a bounded number of examples per
operation and a fixed seed, so that a run fits CI and a failure can be replayed.

Checks: everything schemathesis has that compares the server with its document, except
- `negative_data_rejection` and `positive_data_acceptance`: the document describes what clients
  send (Sumatra's and outpack's), not every rule the server applies (a record's label must
  equal its URL's; a hash must be the hash of the body), so valid-looking data may be refused
  and the server is lenient where the clients are (any Content-Type on a record PUT);
- `ignored_auth` and `object_level_authorization`: public projects and anonymous outpack
  reading are allowed by design; who may do what is tested in tests/records/test_permissions.py
  and tests/packets/test_access.py.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.records import record_body
from tests.support.server import add_users, start_server
from tests.web.support import packet_metadata, sha256

EXAMPLES = 5
SEED = 12
PASSWORD = "fuzzing password"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "allow_header_conformance",
    "unsupported_method",
    "missing_required_header",
    "use_after_free",
    "ensure_resource_availability",
]
ROLES = {
    "anonymous": None,
    "stranger": "mallory",
    "reader": "bob",
    "writer": "carol",
    "admin": "alice",
    "superuser": "root",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server, cleanup = start_server(tmp_path_factory.mktemp("fuzzed") / "root")
    add_users(
        server,
        {name: PASSWORD for name in ("alice", "carol", "bob", "mallory")},
        [("alice", "P", "admin"), ("carol", "P", "write"), ("bob", "P", "read")],
    )
    script = (
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser('root', password={PASSWORD!r})\n"
    )
    server.command("shell", "-c", script)
    for user, level in (("alice", "admin"), ("carol", "write"), ("bob", "read")):
        server.command("grant", user, "--packets", level)
    seed_data(server)
    yield server
    cleanup()


def seed_data(server):
    """A record and a packet, so that reads find something."""
    auth = ("root", PASSWORD)
    headers = {"Content-Type": "application/vnd.sumatra.record-v4+json"}
    url = f"{server.url}/records/P/seeded/"
    requests.put(url, record_body("seeded"), auth=auth, headers=headers).raise_for_status()
    data = b"seeded file"
    requests.post(f"{server.url}/outpack/file/{sha256(data)}", data, auth=auth).raise_for_status()
    _, body = packet_metadata("seeded", {"data.txt": data})
    response = requests.post(f"{server.url}/outpack/packet/{sha256(body)}", body, auth=auth)
    response.raise_for_status()


@pytest.mark.parametrize("role", ROLES)
def test_no_server_errors_and_no_schema_mismatches(server, role, tmp_path):
    user = ROLES[role]
    command = [
        str(Path(sys.executable).parent / "st"),
        "run",
        f"{server.url}/openapi.json",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--checks",
        ",".join(CHECKS),
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "60",
        "--output-truncate",
        "true",
        "--report-dir",
        str(tmp_path),
    ]
    if user:
        command += ["--auth", f"{user}:{PASSWORD}"]
    if shutil.which(command[0]) is None:
        pytest.fail("schemathesis's `st` is not installed")
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    summary = result.stdout[-6000:]
    assert result.returncode == 0, f"schemathesis as {role}:\n{summary}\n{result.stderr[-2000:]}"
