"""The real pyorderly client against a live `reprostore serve`, as orderly users run it."""

import json
import textwrap
import time

import pytest
import requests
from pyorderly.outpack.hash import hash_file, hash_parse
from pyorderly.outpack.init import outpack_init
from pyorderly.outpack.location import outpack_location_add
from pyorderly.outpack.location_pull import (
    outpack_location_pull_metadata,
    outpack_location_pull_packet,
)
from pyorderly.outpack.location_push import outpack_location_push
from pyorderly.outpack.root import root_open
from pyorderly.run import orderly_run

from tests.support.server import start_server

# These tests are about the protocol with the real client, so the location is opened as on a
# trusted network; signing in is tested in test_pyorderly_auth.py and test_packit.py.
OPEN = {"REPROSTORE_OUTPACK_ANONYMOUS": "write"}

DATA_REPORT = """
import pyorderly
p = pyorderly.parameters(n=3)
with open("data.csv", "w") as f:
    f.write("x,y\\n" + "".join(f"{i},{i * i}\\n" for i in range(p.n)))
with open("shared.txt", "w") as f:
    f.write("the same in every packet\\n")
pyorderly.artefact("Data", ["data.csv", "shared.txt"])
"""

ANALYSIS_REPORT = """
import pyorderly
pyorderly.dependency(None, "latest(name == 'data')", {"input.csv": "data.csv"})
rows = open("input.csv").read().splitlines()[1:]
with open("result.txt", "w") as f:
    f.write(f"{len(rows)} rows\\n")
with open("shared.txt", "w") as f:
    f.write("the same in every packet\\n")
pyorderly.artefact("Result", ["result.txt", "shared.txt"])
"""


def make_orderly_root(path, **options):
    outpack_init(path, **options)
    for name, script in (("data", DATA_REPORT), ("analysis", ANALYSIS_REPORT)):
        (path / "src" / name).mkdir(parents=True)
        (path / "src" / name / f"{name}.py").write_text(textwrap.dedent(script))
    return path


def run_reports(root):
    """Three packets made by running reports: two of `data`, one `analysis` using the last."""
    ids = [orderly_run("data", parameters={"n": n}, root=root) for n in (2, 5)]
    ids.append(orderly_run("analysis", root=root))
    return ids


def add_http_location(root, url, name="server"):
    outpack_location_add(name, "http", {"url": url}, root=root)


def assert_same_packets(source, copy, ids):
    """Every packet's metadata bytes and every file's hash arrived intact."""
    source, copy = root_open(source), root_open(copy)
    for packet_id in ids:
        meta_path = f".outpack/metadata/{packet_id}"
        assert (copy.path / meta_path).read_bytes() == (source.path / meta_path).read_bytes()
        assert packet_id in copy.index.unpacked()
        metadata = copy.index.metadata(packet_id)
        for f in metadata.files:
            path = copy.path / "archive" / metadata.name / packet_id / f.path
            assert hash_file(path, hash_parse(f.hash).algorithm) == hash_parse(f.hash)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server, cleanup = start_server(tmp_path_factory.mktemp("served") / "root", extra_env=OPEN)
    yield server
    cleanup()


@pytest.fixture(scope="module")
def pushed(server, tmp_path_factory):
    """A source root whose reports were run and pushed to the server."""
    source = make_orderly_root(
        tmp_path_factory.mktemp("source") / "orderly",
        use_file_store=True,
        require_complete_tree=True,
        path_archive=None,
    )
    ids = run_reports(source)
    add_http_location(source, server.url + "/outpack/")
    outpack_location_push(ids[-1:] + ids[:1], "server", root=source)
    return source, ids


def test_push_stores_every_packet_byte_for_byte(server, pushed):
    source, ids = pushed
    for packet_id in ids:
        meta = f".outpack/metadata/{packet_id}"
        assert (server.root / meta).read_bytes() == (source / meta).read_bytes()
        entry = json.loads((server.root / ".outpack/location/local" / packet_id).read_text())
        local = json.loads((source / ".outpack/location/local" / packet_id).read_text())
        assert entry["hash"] == local["hash"]
    listed = requests.get(server.url + "/outpack/metadata/list").json()["data"]
    assert sorted(e["packet"] for e in listed) == sorted(ids)


def test_the_shared_file_is_stored_once(server, pushed):
    source, ids = pushed
    hashes = set()
    for packet_id in ids:
        metadata = root_open(source).index.metadata(packet_id)
        hashes |= {f.hash for f in metadata.files}
    metrics = requests.get(server.url + "/outpack/metrics").text
    # prometheus_client writes every value as a float.
    assert f"outpack_server_files_total {float(len(hashes))}" in metrics.splitlines()


def test_pull_into_a_fresh_root_checks_every_hash(server, pushed, tmp_path):
    source, ids = pushed
    copy = tmp_path / "copy"
    # A path archive and no file store, as pyorderly makes by default; a complete tree so that
    # pulling a packet pulls its dependency too.
    outpack_init(copy, require_complete_tree=True)
    add_http_location(copy, server.url + "/outpack/")
    outpack_location_pull_metadata(root=copy)
    assert set(root_open(copy).index.all_metadata()) == set(ids)
    outpack_location_pull_packet(ids[-1], root=copy)
    assert_same_packets(source, copy, [ids[-1], ids[1]])


def test_push_again_is_idempotent(server, pushed):
    source, ids = pushed
    before = {p: (server.root / ".outpack/location/local" / p).read_bytes() for p in ids}
    outpack_location_push(ids, "server", root=source)
    after = {p: (server.root / ".outpack/location/local" / p).read_bytes() for p in ids}
    assert after == before


def test_packets_another_tool_writes_into_the_root_are_seen(server, pushed, tmp_path):
    """pyorderly pulls straight into the served root, as orderly users do with a path location."""
    source = make_orderly_root(tmp_path / "other", use_file_store=True, path_archive=None)
    new_id = orderly_run("data", parameters={"n": 7}, root=source)
    outpack_location_add("other", "path", {"path": str(source)}, root=server.root)
    outpack_location_pull_metadata("other", root=server.root)
    outpack_location_pull_packet(new_id, root=server.root)
    entries = listed_within(server, new_id, seconds=10)
    local = json.loads((server.root / ".outpack/location/local" / new_id).read_text())
    assert local in entries and len(entries) == 2  # known via `local` and via `other`


def listed_within(server, packet_id, seconds):
    """The `/metadata/list` entries for a packet, once it is listed: the index sync is
    throttled to once a second per worker."""
    deadline = time.monotonic() + seconds
    while True:
        listed = requests.get(server.url + "/outpack/metadata/list").json()["data"]
        entries = [e for e in listed if e["packet"] == packet_id]
        if entries or time.monotonic() > deadline:
            return entries
        time.sleep(0.2)


def test_a_trailing_slash_less_url_gets_advice(server, tmp_path):
    copy = tmp_path / "copy"
    outpack_init(copy)
    add_http_location(copy, server.url + "/outpack")
    with pytest.raises(requests.HTTPError) as e:
        outpack_location_pull_metadata(root=copy)
    assert f"add a trailing slash: use '{server.url}/outpack/'" in str(e.value)


def test_an_orderly_root_is_served_as_it_is(tmp_path):
    """pyorderly's own defaults: files only in the path archive, no file store."""
    source = make_orderly_root(tmp_path / "orderly")
    ids = run_reports(source)
    server, cleanup = start_server(source, extra_env=OPEN)
    try:
        copy = tmp_path / "copy"
        outpack_init(copy)
        add_http_location(copy, server.url + "/outpack/")
        outpack_location_pull_metadata(root=copy)
        outpack_location_pull_packet(ids, root=copy)
        assert_same_packets(source, copy, ids)
        push = requests.post(server.url + "/outpack/file/sha256:" + "0" * 64, data=b"x")
        assert push.status_code == 400 and "no file store" in push.json()["errors"][0]["detail"]
    finally:
        cleanup()
