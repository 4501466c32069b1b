"""The permission matrix: every caller × every outpack route, at `/outpack/` and at
`/packit/api/outpack/` (pyorderly's `packit` location), on a server as configured by default.

Two packet names: `data`, and `secret`, which uses `data`. Each has a file of its own and they
share one. The callers are the cast (tests/conftest.py) with their packet grants
(tests/support/packet_access.py): anonymous, mallory (no grant), dave (reads `data` only), bob
(reads), carol (writes), alice (administers) and root (superuser).
"""

import hashlib
import io

import pytest

from reprostore.packets import operations
from reprostore.packets.index import forget_sync_state
from reprostore.packets.root import init_root, open_root
from tests.conftest import basic_auth
from tests.support.packet_access import grant_cast_packets

from .conftest import failure, packet_metadata, sha256, success

DATA_FILE, SECRET_FILE, SHARED_FILE = b"x,y\n1,2\n", b"the secret\n", b"in both\n"
NEW_FILE = b"a new file\n"
DATA_ID, SECRET_ID = "20240101-100000-0000000a", "20240102-100000-0000000b"
CALLERS = ["anonymous", "stranger", "group_reader", "reader", "writer", "admin", "superuser"]
# What each caller may do: nothing (401 or 403), read `data` only, read all, or push too.
NOTHING, GROUP, ALL, PUSH = "nothing", "group", "all", "push"
MAY = {
    "anonymous": NOTHING,
    "stranger": NOTHING,
    "group_reader": GROUP,
    "reader": ALL,
    "writer": PUSH,
    "admin": PUSH,
    "superuser": PUSH,
}
PREFIXES = ["/outpack", "/packit/api/outpack"]


def checksum_of(*ids):
    return "sha256:" + hashlib.sha256("".join(sorted(ids)).encode()).hexdigest()


class Store:
    def __init__(self, path):
        root = open_root(init_root(path))
        for data in (DATA_FILE, SECRET_FILE, SHARED_FILE):
            operations.do_upload_file(root, sha256(data), io.BytesIO(data))
        self.data = push(root, DATA_ID, "data", {"data.csv": DATA_FILE, "shared": SHARED_FILE})
        self.secret = push(
            root,
            SECRET_ID,
            "secret",
            {"secret.txt": SECRET_FILE, "shared": SHARED_FILE},
            depends=[DATA_ID],
        )


def push(root, packet_id, name, files, depends=()):
    body = packet_metadata(packet_id, files, depends=depends, name=name)
    operations.do_upload_packet(root, sha256(body), body)
    return body


@pytest.fixture
def store(settings, tmp_path, db):
    settings.REPROSTORE_ROOT = tmp_path / "root"
    settings.REPROSTORE_OUTPACK_SYNC_SECONDS = 0
    forget_sync_state()
    yield Store(settings.REPROSTORE_ROOT)
    forget_sync_state()


@pytest.fixture
def callers(cast):
    """Request headers for each caller."""
    dave = grant_cast_packets(cast, group="data")
    users = {
        "stranger": cast.stranger,
        "group_reader": dave,
        "reader": cast.reader,
        "writer": cast.writer,
        "admin": cast.owner,
        "superuser": cast.admin,
    }
    headers = {name: basic_auth(user.username) for name, user in users.items()}
    headers["anonymous"] = {}
    return headers


def refused(response, caller):
    """401 with the advice to sign in for anonymous callers, 403 for the others."""
    if caller == "anonymous":
        error = failure(response, 401)
        assert response["WWW-Authenticate"] == 'Basic realm="reprostore"'
        assert "You must sign in" in error["detail"] and "packit" in error["detail"]
    else:
        error = failure(response, 403)
        assert "ask an administrator of the packets" in error["detail"]


# Each read route: (request, what a group reader gets, what a reader of all gets).
def get(path):
    return lambda client, prefix, headers: client.get(prefix + path, **headers)


def query(text):
    return lambda client, prefix, headers: client.get(prefix + "/query", {"q": text}, **headers)


def post_json(path, body):
    return lambda client, prefix, headers: client.post(
        prefix + path, body, content_type="application/json", **headers
    )


READS = {
    "root": (get("/"), {"schema_version": "0.1.1"}, {"schema_version": "0.1.1"}),
    "metadata list": (
        get("/metadata/list"),
        lambda data: [e["packet"] for e in data] == [DATA_ID],
        lambda data: [e["packet"] for e in data] == [DATA_ID, SECRET_ID],
    ),
    "packit metadata": (
        get("/packit/metadata"),
        lambda data: [p["id"] for p in data] == [DATA_ID],
        lambda data: [p["id"] for p in data] == [DATA_ID, SECRET_ID],
    ),
    "checksum": (get("/checksum"), checksum_of(DATA_ID), checksum_of(DATA_ID, SECRET_ID)),
    "packets missing": (
        post_json("/packets/missing", {"ids": [DATA_ID, SECRET_ID], "unpacked": True}),
        [SECRET_ID],
        [],
    ),
    "files missing": (
        post_json(
            "/files/missing",
            {"hashes": [sha256(DATA_FILE), sha256(SECRET_FILE), sha256(SHARED_FILE)]},
        ),
        [sha256(SECRET_FILE)],
        [],
    ),
    "query latest": (query("latest"), [DATA_ID], [SECRET_ID]),
    "query by name": (query('name == "secret"'), [], [SECRET_ID]),
    "query not latest": (query("!latest()"), [], [DATA_ID]),
}
# Routes that answer one packet or file: a group reader gets 404 for what it may not read.
ONE_THING = {
    "data metadata json": (get(f"/metadata/{DATA_ID}/json"), True),
    "data metadata text": (get(f"/metadata/{DATA_ID}/text"), True),
    "secret metadata json": (get(f"/metadata/{SECRET_ID}/json"), False),
    "secret metadata text": (get(f"/metadata/{SECRET_ID}/text"), False),
    "data file": (get(f"/file/{sha256(DATA_FILE)}"), True),
    "shared file": (get(f"/file/{sha256(SHARED_FILE)}"), True),
    "secret file": (get(f"/file/{sha256(SECRET_FILE)}"), False),
}


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", sorted(READS))
def test_reading_lists(client, store, callers, prefix, caller, route):
    request, for_group, for_all = READS[route]
    response = request(client, prefix, callers[caller])
    if MAY[caller] == NOTHING:
        return refused(response, caller)
    data = success(response)
    expected = for_group if MAY[caller] == GROUP else for_all
    assert expected(data) if callable(expected) else data == expected


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", sorted(ONE_THING))
def test_reading_one_packet_or_file(client, store, callers, prefix, caller, route):
    request, group_may = ONE_THING[route]
    response = request(client, prefix, callers[caller])
    if MAY[caller] == NOTHING:
        return refused(response, caller)
    if MAY[caller] == GROUP and not group_may:
        detail = failure(response, 404)["detail"]
        assert "does not exist" in detail or "not found" in detail
        return
    assert response.status_code == 200
    if "json" in route:
        assert success(response)["id"] in (DATA_ID, SECRET_ID)
    elif "text" in route:
        assert response.content in (store.data, store.secret)
    else:
        assert b"".join(response.streaming_content) in (DATA_FILE, SHARED_FILE, SECRET_FILE)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("caller", CALLERS)
def test_the_metrics_need_every_packet(client, store, callers, prefix, caller):
    response = client.get(prefix + "/metrics", **callers[caller])
    if MAY[caller] in (NOTHING, GROUP):
        status = 401 if caller == "anonymous" else 403
        assert "read every packet of this outpack location" in failure(response, status)["detail"]
        return
    assert response.status_code == 200
    assert b"outpack_server_metadata_total 2.0" in response.content


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("caller", CALLERS)
def test_pushing_a_file_and_a_packet(client, store, callers, prefix, caller, settings):
    headers = callers[caller]
    upload = client.generic("POST", f"{prefix}/file/{sha256(NEW_FILE)}", NEW_FILE, **headers)
    body = packet_metadata("20240103-100000-0000000c", {"new": NEW_FILE}, name="data")
    packet = client.generic("POST", f"{prefix}/packet/{sha256(body)}", body, **headers)
    stored = settings.REPROSTORE_ROOT / ".outpack" / "metadata" / "20240103-100000-0000000c"
    if MAY[caller] != PUSH:
        refused(upload, caller)
        refused(packet, caller)
        assert not stored.exists()
        return
    assert success(upload) is None and success(packet) is None
    assert stored.read_bytes() == body


@pytest.mark.parametrize("caller", ["reader", "writer", "admin"])
def test_a_browser_session_never_pushes(client, store, cast, callers, caller):
    users = {"reader": cast.reader, "writer": cast.writer, "admin": cast.owner}
    client.force_login(users[caller])
    success(client.get("/outpack/metadata/list"))
    response = client.generic("POST", f"/outpack/file/{sha256(NEW_FILE)}", NEW_FILE)
    assert response.status_code == 403


def test_an_open_location_is_the_floor_for_everyone(client, store, callers, settings):
    """REPROSTORE_OUTPACK_ANONYMOUS=read: everyone reads everything; grants still add to it."""
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "read"
    for caller in ("anonymous", "stranger", "group_reader"):
        listed = success(client.get("/outpack/metadata/list", **callers[caller]))
        assert [e["packet"] for e in listed] == [DATA_ID, SECRET_ID]
    refused(client.generic("POST", f"/outpack/file/{sha256(NEW_FILE)}", NEW_FILE), "anonymous")
    upload = client.generic(
        "POST", f"/outpack/file/{sha256(NEW_FILE)}", NEW_FILE, **callers["writer"]
    )
    assert success(upload) is None


def test_an_anonymous_grant_opens_the_location_to_everyone(client, store, callers):
    from tests.support.packet_access import grant_packets

    grant_packets(None, "read", "data")
    for caller in ("anonymous", "stranger"):
        listed = success(client.get("/outpack/metadata/list", **callers[caller]))
        assert [e["packet"] for e in listed] == [DATA_ID]
    failure(client.get(f"/outpack/metadata/{SECRET_ID}/json"), 404)
