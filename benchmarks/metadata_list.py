"""`GET /outpack/metadata/list` of 100,000 and 1,000,000 packets: time and worker memory.

Each size is an outpack root written as spec §1-2 lays it out (`common.write_packets`, one
`local` entry per packet), indexed with this checkout's `reprostore reindex` into a fresh
database. Then, on that database and root:

- baseline: reading every `location/local/*` file in this process, what outpack_server does
  for the route (and what the target is set against);
- `reprostore serve` of this checkout;
- `reprostore serve` of `--baseline-revision` (today's code, exported with `git archive`),
  which must answer the same bytes.

A request is timed until its whole body has arrived (not parsed; the baseline parses each small
file, as it must). Worker memory is the resident size of the gunicorn workers, sampled every
20 ms: idle before the requests, and the largest any worker reaches while answering.

    python benchmarks/metadata_list.py [--packets 100000,1000000] [--databases sqlite,postgres]
                                       [--roots DIR] [--repeat 5]
"""

import hashlib
import json
import statistics
import time
from pathlib import Path

import common
import requests


def read_location_from_disk(root: Path) -> list:
    """What outpack_server does for /metadata/list: read every location entry file."""
    directory = root / ".outpack" / "location" / "local"
    return [json.loads(path.read_bytes()) for path in sorted(directory.iterdir())]


def measure_server(server, repeat: int, workers: int) -> dict:
    """Median seconds, idle and peak worker RSS, and the body's digest, of the listing."""
    # Every worker syncs once (a directory listing of the whole root) before it is timed.
    for _ in range(4 * workers):
        requests.get(f"{server.url}/outpack/query?q=latest", auth=AUTH, timeout=900)
    pids = common.worker_pids(server)[1:]
    idle = max(common.rss_bytes(pid) for pid in pids)
    session = requests.Session()
    session.auth = AUTH
    times, digests, peak = [], set(), common.PeakMemory(pids)
    for _ in range(repeat):
        began = time.perf_counter()
        response = session.get(f"{server.url}/outpack/metadata/list", timeout=900)
        body = response.content
        times.append(time.perf_counter() - began)
        response.raise_for_status()
        digests.add(hashlib.sha256(body).hexdigest())
    return {
        "seconds": statistics.median(times),
        "idle": idle,
        "peak": peak.stop(),
        "digest": digests.pop() if len(digests) == 1 else "varies",
        "entries": len(json.loads(body)["data"]),
        "megabytes": len(body) / 1e6,
    }


AUTH = (common.USER, common.PASSWORD)


def main() -> None:
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--packets", type=common.comma_list(int), default=[100_000, 1_000_000])
    parser.add_argument("--roots", type=Path, help="keep and reuse the written roots here")
    parser.add_argument("--repeat", type=int, default=5, help="median of this many requests")
    common.add_baseline_argument(parser)
    args = common.parse_arguments(parser)
    common.print_header("/outpack/metadata/list: reading the files, today's code, this code")
    rows = []
    with (
        common.work_directory(args.keep, "metadata-list-") as work,
        common.baseline_source(args.baseline_revision) as baseline,
    ):
        for count in args.packets:
            root = common.packet_root(work, count, args.roots)
            for database in args.databases:
                rows += measure(root, database, work, baseline, args)
                for row in rows[-3:]:
                    print("| " + " | ".join(row) + " |", flush=True)
    print()
    common.print_load()
    common.print_table(
        [
            "database",
            "packets",
            "answered by",
            "ms (median)",
            "vs reading the files",
            "worker RSS idle / peak MB",
            "body",
            "load average",
        ],
        rows,
    )


def measure(root: Path, database: str, work: Path, baseline: str, args) -> list[list[str]]:
    url, drop = common.fresh_database(database, work)
    try:
        seconds, _, _ = common.run_reprostore("reindex", root=root, database_url=url)
        print(f"# {database}: reindexed {root} in {seconds:.0f} s", flush=True)
        disk = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            entries = len(read_location_from_disk(root))
            disk.append(time.perf_counter() - began)
        disk_seconds = statistics.median(disk)
        results = {}
        for label, environ in (("this code", {}), ("today's code", {"PYTHONPATH": baseline})):
            server = common.LiveServer(root, url, workers=args.workers, extra_env=environ)
            try:
                if not results:
                    common.add_users(server, {common.USER: common.PASSWORD})
                    server.command("grant", common.USER, "--packets", "read")
                results[label] = measure_server(server, args.repeat, args.workers)
            finally:
                server.stop()
    finally:
        drop()
    same = results["this code"]["digest"] == results["today's code"]["digest"]
    count = f"{entries:,}"
    rows = [[database, count, "reading location/local/*", f"{disk_seconds * 1000:.0f}", "-"]]
    rows[0] += ["-", "-", common.load_average()]
    for label, result in results.items():
        body = f"{result['entries']:,} entries, {result['megabytes']:.0f} MB"
        if label == "today's code":
            body += ", same bytes" if same else ", DIFFERENT BYTES"
        rows.append(
            [
                database,
                count,
                f"reprostore, {label}",
                f"{result['seconds'] * 1000:.0f}",
                common.ratio(result["seconds"], disk_seconds),
                f"{result['idle'] / 1e6:.0f} / {result['peak'] / 1e6:.0f}",
                body,
                common.load_average(),
            ]
        )
    return rows


if __name__ == "__main__":
    main()
