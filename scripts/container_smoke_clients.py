"""The real clients against a reprostore container, for scripts/container-smoke.

Sumatra 0.8.1's HttpRecordStore records and reads back a record; pyorderly 0.2.1 makes packets by
running reports, pushes them to the server's outpack location and pulls them into fresh roots,
checking every file's hash. Runs with the Python that has the test extras (sumatra, httplib2,
pyorderly). Everything it writes is under STATE, a directory the caller removes.

    python scripts/container_smoke_clients.py make-packets STATE
    python scripts/container_smoke_clients.py push URL STATE
    python scripts/container_smoke_clients.py write-record URL USER PASSWORD STATE
    python scripts/container_smoke_clients.py check URL USER PASSWORD STATE TAG
"""

import contextlib
import io
import json
import os
import socket
import sys
import textwrap
import time
from pathlib import Path

# Nothing may leave this machine: Sumatra probes a public address to decide whether it is online.
import sumatra.core

sumatra.core.have_internet_connection = lambda: False

from pyorderly.outpack.hash import hash_file, hash_parse  # noqa: E402
from pyorderly.outpack.init import outpack_init  # noqa: E402
from pyorderly.outpack.location import outpack_location_add  # noqa: E402
from pyorderly.outpack.location_pull import (  # noqa: E402
    outpack_location_pull_metadata,
    outpack_location_pull_packet,
)
from pyorderly.outpack.location_push import outpack_location_push  # noqa: E402
from pyorderly.outpack.root import root_open  # noqa: E402
from pyorderly.run import orderly_run  # noqa: E402
from sumatra.recordstore import serialization  # noqa: E402
from sumatra.recordstore.http_store import HttpRecordStore  # noqa: E402

# Every request of either client gives up after this long instead of hanging the CI run.
socket.setdefaulttimeout(60)


def say(message: str) -> None:
    """One line of this script's own; pyorderly's progress messages are shown only on failure."""
    print(message, file=sys.__stdout__, flush=True)


PROJECT = "container-smoke"
LABEL = "20250101-120000"

DATA_REPORT = """
import pyorderly
p = pyorderly.parameters(n=3)
with open("data.csv", "w") as f:
    f.write("x,y\\n" + "".join(f"{i},{i * i}\\n" for i in range(p.n)))
pyorderly.artefact("Data", ["data.csv"])
"""

ANALYSIS_REPORT = """
import pyorderly
pyorderly.dependency(None, "latest(name == 'data')", {"input.csv": "data.csv"})
rows = open("input.csv").read().splitlines()[1:]
with open("result.txt", "w") as f:
    f.write(f"{len(rows)} rows\\n")
pyorderly.artefact("Result", ["result.txt"])
"""


def record_document() -> dict:
    """A record as sumatra 0.8.1's `record2dict` writes it after `smt run`."""
    return {
        "label": LABEL,
        "timestamp": "2025-01-01 12:00:00+0000",
        "reason": "container smoke test",
        "duration": 2.5,
        "executable": {
            "path": "/usr/bin/python3",
            "version": "3.11.2",
            "name": "Python",
            "options": "",
        },
        "repository": {"url": "/home/smoke/sim", "type": "GitRepository", "upstream": None},
        "main_file": "main.py",
        "version": "0123456789abcdef0123456789abcdef01234567",
        "parameters": {"type": "SimpleParameterSet", "content": 'a = 2\nname = "smoke"'},
        "input_data": [],
        "script_arguments": "<parameters>",
        "launch_mode": {
            "type": "SerialLaunchMode",
            "parameters": {"working_directory": "/home/smoke/sim", "options": None},
        },
        "datastore": {
            "type": "FileSystemDataStore",
            "parameters": {"root": "/home/smoke/sim/Data"},
        },
        "input_datastore": {"type": "FileSystemDataStore", "parameters": {"root": "/"}},
        "outcome": "worked",
        "stdout_stderr": "done\n",
        "output_data": [
            {
                "path": f"{LABEL}/out.dat",
                "digest": "43a47cb379df2a7008fdeb38c6172278d000fdc4",
                "metadata": {"mimetype": None, "encoding": None, "size": 2500},
                "creation": "2025-01-01 12:00:02+0000",
            }
        ],
        "tags": ["_finished_", "smoke"],
        "diff": "",
        "user": "Smoke Test <smoke@example.org>",
        "dependencies": [
            {
                "name": "numpy",
                "path": "/usr/lib/python3/dist-packages/numpy",
                "version": "1.24.2",
                "module": "python",
                "diff": "",
                "source": None,
            }
        ],
        "platforms": [
            {
                "system_name": "Linux",
                "ip_addr": "127.0.0.1",
                "architecture_bits": "64bit",
                "machine": "x86_64",
                "architecture_linkage": "ELF",
                "version": "#1 SMP",
                "release": "6.1.0",
                "network_name": "node1",
                "processor": "x86_64",
            }
        ],
        "repeats": None,
    }


def record_store(url: str, user: str, password: str, state: Path, tag: str) -> HttpRecordStore:
    # httplib2 keeps a response cache in ./.cache: a fresh directory per use, so that a check
    # after a restart reads from the server and not from the cache.
    workdir = state / f"smt-{tag}"
    workdir.mkdir(parents=True, exist_ok=True)
    os.chdir(workdir)
    host = url.split("://", 1)[1]
    return HttpRecordStore(f"http://{user}:{password}@{host}/records/")


def as_dict(record) -> dict:
    return json.loads(serialization.encode_record(record))


def write_record(url, user, password, state):
    store = record_store(url, user, password, state, "write")
    record = serialization.build_record(record_document())
    store.save(PROJECT, record)
    (state / "record.json").write_text(serialization.encode_record(record))
    say(f"saved record {PROJECT}/{LABEL} as {user}")


def check_record(url, user, password, state, tag):
    store = record_store(url, user, password, state, tag)
    expected = json.loads((state / "record.json").read_text())
    assert PROJECT in store.list_projects(), store.list_projects()
    assert store.labels(PROJECT) == [LABEL], store.labels(PROJECT)
    fetched = as_dict(store.get(PROJECT, LABEL))
    assert fetched == expected, (fetched, expected)
    assert store.most_recent(PROJECT) == LABEL
    say(f"record {PROJECT}/{LABEL} read back intact")


def make_packets(state):
    source = state / "source"
    outpack_init(source, use_file_store=True, require_complete_tree=True, path_archive=None)
    for name, script in (("data", DATA_REPORT), ("analysis", ANALYSIS_REPORT)):
        (source / "src" / name).mkdir(parents=True)
        (source / "src" / name / f"{name}.py").write_text(textwrap.dedent(script))
    ids = [orderly_run("data", parameters={"n": n}, root=source) for n in (2, 5)]
    ids.append(orderly_run("analysis", root=source))
    (state / "packets.json").write_text(json.dumps(ids))
    say(f"made packets {' '.join(ids)} in {source}")


def outpack_url(url, user, password):
    """The location URL with the credentials pyorderly sends as HTTP Basic (packets are closed to
    anonymous callers by default)."""
    scheme, host = url.split("://", 1)
    return f"{scheme}://{user}:{password}@{host}/outpack/"


def push(url, user, password, state):
    source = state / "source"
    ids = json.loads((state / "packets.json").read_text())
    location = {"url": outpack_url(url, user, password)}
    outpack_location_add("container", "http", location, root=source)
    outpack_location_push(ids, "container", root=source)
    say(f"pushed {len(ids)} packets")


def check_packets(url, user, password, state, tag):
    """Pull every packet into a fresh root and check each file against its metadata's hash."""
    ids = json.loads((state / "packets.json").read_text())
    copy = state / f"pull-{tag}"
    outpack_init(copy, require_complete_tree=True)
    location = {"url": outpack_url(url, user, password)}
    outpack_location_add("container", "http", location, root=copy)
    deadline = time.monotonic() + 30
    while True:  # a root served as it is is indexed in the background: allow it a moment
        outpack_location_pull_metadata(root=copy)
        known = set(root_open(copy).index.all_metadata())
        if set(ids) <= known or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert set(ids) <= known, f"the server lists {sorted(known)}, not all of {ids}"
    outpack_location_pull_packet(ids, root=copy)
    source, pulled = root_open(state / "source"), root_open(copy)
    files = 0
    for packet_id in ids:
        meta = f".outpack/metadata/{packet_id}"
        assert (copy / meta).read_bytes() == (source.path / meta).read_bytes(), packet_id
        metadata = pulled.index.metadata(packet_id)
        for f in metadata.files:
            path = copy / "archive" / metadata.name / packet_id / f.path
            assert hash_file(path, hash_parse(f.hash).algorithm) == hash_parse(f.hash), path
            files += 1
    say(f"pulled {len(ids)} packets ({files} files), every hash checked")


def main(argv):
    chatter = io.StringIO()
    try:
        with contextlib.redirect_stdout(chatter):
            run(argv)
    except BaseException:
        sys.stderr.write(chatter.getvalue())
        raise


def run(argv):
    command, args = argv[1], argv[2:]
    if command == "make-packets":
        make_packets(Path(args[0]).resolve())
    elif command == "push":
        url, user, password, state = args
        push(url, user, password, Path(state).resolve())
    elif command == "write-record":
        url, user, password, state = args
        write_record(url, user, password, Path(state).resolve())
    elif command == "check":
        url, user, password, state, tag = args
        check_record(url, user, password, Path(state).resolve(), tag)
        check_packets(url, user, password, Path(state).resolve(), tag)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
