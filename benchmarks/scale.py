"""Listing and query at scale: 100,000 packets and 100,000 records in one store.

Packets are written straight into an outpack root (valid metadata, location entries and file
store, spec §1-2), indexed with `reprostore reindex`, and served. Each listing and query over
HTTP is compared with the same answer computed without a server: reading the root from disk
(what outpack_server does per request) and pyorderly's own in-memory query evaluator
(pyorderly.outpack.search), cold (root opened, every metadata file read) and warm (root open).
Records are loaded in bulk into one project (the columns store.py writes), then listed and
queried through /records/<project>/.

    python benchmarks/scale.py [--packets 100000] [--records 100000] [--databases sqlite,postgres]
"""

import json
import random
import statistics
import time
from pathlib import Path
from urllib.parse import quote

import common
import requests

QUERIES = (
    'latest(name == "report-7" && parameter:a > 1)',
    'name == "report-7" && parameter:a > 1',
    'parameter:disease == "YF"',
    "latest",
)
RECORD_QUERIES = (
    "latest(parameter:a > 1)",
    'parameter:a > 1 && tag == "paper"',
)
PROJECT = "big"


def timed(function, repeat: int) -> tuple[float, object]:
    """(median seconds, last result) over `repeat` calls."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


# Building the root


def record_lines(count: int, path: Path) -> None:
    """One record document per line: the label, parameters, tags and time vary."""
    from tests.support.records import record_document

    rng = random.Random(7)
    with path.open("w") as out:
        for index in range(count):
            stamp = 1_700_000_000 + index * 60
            label = time.strftime("%Y%m%d-%H%M%S", time.gmtime(stamp)) + f"-{index:06d}"
            a, name = rng.randrange(10), rng.choice(("ring", "chain", "grid"))
            document = record_document(
                label,
                timestamp=time.strftime("%Y-%m-%d %H:%M:%S+0000", time.gmtime(stamp)),
                parameters={"type": "SimpleParameterSet", "content": f'a = {a}\nname = "{name}"'},
                tags=["_finished_"] + (["paper"] if index % 20 == 0 else []),
            )
            out.write(json.dumps(document) + "\n")


# The records go in with bulk_create: 100,000 PUTs would take over an hour on this machine, and
# this benchmark is about reading. The rows are those store.py writes for each PUT.
LOAD_RECORDS = """
import json
from django.contrib.auth import get_user_model
from django.db import transaction
from reprostore.lib.parameters import typed_value
from reprostore.records import documents
from reprostore.records.models import Level, Project, Record, RecordParameter, RecordTag
from reprostore.records.operations import do_grant

user = get_user_model().objects.get(username={user!r})
project = Project.objects.create(name={project!r}, created_by=user)
do_grant(None, project, user, Level.ADMIN)

def load(batch):
    with transaction.atomic():
        records = Record.objects.bulk_create(
            Record(project=project, label=d["label"], body=line, **documents.columns(d))
            for line, d in batch
        )
        RecordTag.objects.bulk_create(
            RecordTag(record=r, name=tag) for r, (_, d) in zip(records, batch) for tag in d["tags"]
        )
        RecordParameter.objects.bulk_create(
            RecordParameter(record=r, name=name, **typed_value(value))
            for r, (_, d) in zip(records, batch)
            for name, value in documents.parameter_values(d["parameters"]).items()
        )

batch = []
with open({path!r}) as lines:
    for line in lines:
        batch.append((line, json.loads(line)))
        if len(batch) == 2000:
            load(batch)
            batch = []
load(batch)
"""


# The baselines, in this process


def read_location_from_disk(root: Path) -> list:
    """What outpack_server does for /metadata/list: read every location entry file."""
    directory = root / ".outpack" / "location" / "local"
    return [json.loads(path.read_bytes()) for path in sorted(directory.iterdir())]


def pyorderly_search(root, query: str):
    from pyorderly.outpack.search import search

    return search(query, root=root)


def show(rows: list) -> None:
    print("| " + " | ".join(str(cell) for cell in rows[-1]) + " |", flush=True)


def measure_packets(server, root: Path, repeat: int, rows: list, database: str) -> None:
    from pyorderly.outpack.root import root_open

    session = requests.Session()
    session.auth = (common.USER, common.PASSWORD)

    def get(path, **params):
        response = session.get(f"{server.url}{path}", params=params, timeout=600)
        response.raise_for_status()
        return response.json()["data"]

    seconds, listing = timed(lambda: get("/outpack/metadata/list"), repeat)
    disk, _ = timed(lambda: read_location_from_disk(root), repeat)
    cold, _ = timed(lambda: root_open(root).index.location("local"), repeat)
    rows.append(
        [database, "GET /outpack/metadata/list", len(listing), f"{seconds * 1000:.0f}"]
        + [f"{disk * 1000:.0f} (read location files)", common.ratio(seconds, disk)]
        + [f"{cold * 1000:.0f} (pyorderly index, cold)", common.ratio(seconds, cold)]
    )
    show(rows)
    warm_root = root_open(root)
    warm_root.index.rebuild()
    for query in QUERIES:
        seconds, ids = timed(lambda q=query: get("/outpack/query", q=q), repeat)
        warm, expected = timed(lambda q=query: pyorderly_search(warm_root, q), repeat)
        cold, _ = timed(lambda q=query: pyorderly_search(root, q), 1)
        found = ids if isinstance(ids, list) else [ids] if ids else []
        same = "" if set(found) == set(expected) else " DIFFERS from pyorderly"
        rows.append(
            [database, f"query {query}", f"{len(found)}{same}", f"{seconds * 1000:.0f}"]
            + [f"{warm * 1000:.0f} (pyorderly, warm)", common.ratio(seconds, warm)]
            + [f"{cold * 1000:.0f} (pyorderly, cold)", common.ratio(seconds, cold)]
        )
        show(rows)


def measure_records(server, repeat: int, rows: list, database: str) -> None:
    session = requests.Session()
    session.auth = (common.USER, common.PASSWORD)
    url = f"{server.url}/records/{PROJECT}/"

    def get(accept, q=None):
        # The record API reads '+' as a plus sign, as the Sumatra client sends it: spaces go
        # as %20, never as requests' form-style '+'.
        target = url + (f"?q={quote(q, safe='')}" if q else "")
        response = session.get(target, headers={"Accept": accept}, timeout=600)
        response.raise_for_status()
        return response

    seconds, response = timed(lambda: get("application/json"), repeat)
    count = len(response.json()["records"])
    rows.append([database, f"GET /records/{PROJECT}/ (JSON)", count, f"{seconds * 1000:.0f}"])
    show(rows)
    seconds, response = timed(lambda: get("text/html"), repeat)
    size = f"{len(response.content) // 1024} kB page"
    rows.append([database, f"GET /records/{PROJECT}/ (HTML)", size, f"{seconds * 1000:.0f}"])
    show(rows)
    for query in RECORD_QUERIES:
        seconds, response = timed(lambda q=query: get("application/json", q=q), repeat)
        count = len(response.json()["records"])
        rows.append([database, f"records ?q={query}", count, f"{seconds * 1000:.0f}"])
        show(rows)


def main() -> None:
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="median of this many runs (5)")
    args = common.parse_arguments(parser)
    common.print_header(f"scale: {args.packets} packets, {args.records} records")
    packet_rows, record_rows, setup_rows = [], [], []
    with common.work_directory(args.keep, "scale-") as work:
        began = time.monotonic()
        common.write_packets(work / "root", args.packets)
        record_lines(args.records, work / "records.jsonl")
        print(f"# wrote the root and the records in {time.monotonic() - began:.0f} s")
        for database in args.databases:
            directory = work / database
            directory.mkdir()
            # The server's store is a copy of the root, so that each database indexes it anew.
            common.copy_tree(work / "root", directory / "store")
            with common.reprostore_server(database, directory, args.workers) as server:
                began = time.monotonic()
                server.command("reindex")
                indexed = time.monotonic() - began
                began = time.monotonic()
                server.command(
                    "shell",
                    "-c",
                    LOAD_RECORDS.format(
                        user=common.USER, project=PROJECT, path=str(work / "records.jsonl")
                    ),
                )
                loaded = time.monotonic() - began
                # After a bulk load PostgreSQL has no statistics until autovacuum gets to the
                # tables; without them it plans the record queries disastrously (see
                # docs/performance.md), so analyse as one does after any import.
                common.analyze_postgres(server)
                began = time.monotonic()
                common.warm_up(server, "/outpack/query?q=latest", args.workers)
                warmed = time.monotonic() - began
                setup_rows.append([database, f"{indexed:.0f}", f"{loaded:.0f}", f"{warmed:.1f}"])
                show(setup_rows)
                measure_packets(server, directory / "store", args.repeat, packet_rows, database)
                measure_records(server, args.repeat, record_rows, database)
    print()
    common.print_load()
    common.print_table(
        ["database", "reindex packets s", "bulk-load records s", "first requests s"],
        setup_rows,
    )
    print()
    common.print_table(
        [
            "database",
            "request",
            "results",
            "reprostore ms",
            "baseline ms",
            "ratio",
            "second baseline ms",
            "ratio",
        ],
        packet_rows,
    )
    print()
    common.print_table(["database", "request", "results", "reprostore ms"], record_rows)


if __name__ == "__main__":
    main()
