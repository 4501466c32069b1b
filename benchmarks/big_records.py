"""Worker memory under large record PUTs (issue 12): rounds of concurrent big records.

A Sumatra record can be large: `smt run` keeps a run's whole captured output in `stdout_stderr`
and its whole `diff`, with no cap. This starts one `reprostore serve` with one worker per
database and sends `--rounds` rounds of `--concurrent` simultaneous PUTs of `--size-mb` MB
records, sampling the worker's resident memory every 20 ms. Baseline in the same run: the
worker after a round of as many small records.

    python benchmarks/big_records.py [--size-mb 60] [--concurrent 8] [--rounds 3]

It prints, per round, the worker's peak and settled resident memory, and whether every record
was stored (status and the stored length).
"""

import json
import threading
import time

import common
import requests

CONTENT_TYPE = "application/vnd.sumatra.record-v4+json"


def big_document(label: str, size: int) -> str:
    _, document = common.realistic_documents(1, seed=len(label))[0]
    document["label"] = label
    document["stdout_stderr"] = "step 1 ok " * (size // 10)
    return json.dumps(document)


def put_all(url: str, bodies: list[tuple[str, str]]) -> list[int]:
    statuses = [0] * len(bodies)

    def put(index, label, body):
        response = requests.put(
            f"{url}/{label}/",
            data=body.encode(),
            auth=(common.USER, common.PASSWORD),
            headers={"Content-Type": CONTENT_TYPE, "Accept": "application/json"},
            timeout=900,
        )
        statuses[index] = response.status_code

    threads = [
        threading.Thread(target=put, args=(index, label, body))
        for index, (label, body) in enumerate(bodies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def settled_rss(pids: list[int]) -> int:
    time.sleep(1.0)  # let the worker finish its bookkeeping after the last response
    return max(common.rss_bytes(pid) for pid in pids)


def run(database: str, directory, size: int, concurrent: int, rounds: int) -> list[list]:
    rows = []
    with common.reprostore_server(database, directory / database, 1) as server:
        project = f"{server.url}/records/big"
        requests.put(
            project + "/", data=b"{}", auth=(common.USER, common.PASSWORD), timeout=60
        ).raise_for_status()
        workers = common.worker_pids(server)[1:]
        small = [(f"small-{i}", big_document(f"small-{i}", 10_000)) for i in range(concurrent)]
        sampler = common.PeakMemory(workers)
        statuses = put_all(project, small)
        rows.append(
            [
                f"{database}: {concurrent} × 10 kB (baseline)",
                mb(sampler.stop()),
                mb(settled_rss(workers)),
                ok(statuses),
            ]
        )
        for number in range(1, rounds + 1):
            bodies = [
                (f"big-{number}-{i}", big_document(f"big-{number}-{i}", size))
                for i in range(concurrent)
            ]
            sampler = common.PeakMemory(workers)
            started = time.monotonic()
            statuses = put_all(project, bodies)
            wall = time.monotonic() - started
            peak = sampler.stop()
            del bodies
            rows.append(
                [
                    f"{database}: round {number}, {concurrent} × {size // 2**20} MB ({wall:.1f} s)",
                    mb(peak),
                    mb(settled_rss(workers)),
                    ok(statuses) + stored(project, f"big-{number}-0", size),
                ]
            )
    return rows


def stored(project: str, label: str, size: int) -> str:
    response = requests.get(
        f"{project}/{label}/",
        auth=(common.USER, common.PASSWORD),
        headers={"Accept": "application/json"},
        timeout=300,
    )
    length = len(response.json()["stdout_stderr"]) if response.ok else 0
    return "; read back whole" if length >= size - 10 else f"; read back {length} chars"


def ok(statuses: list[int]) -> str:
    good = sum(1 for status in statuses if status in (200, 201))
    others = sorted({status for status in statuses if status not in (200, 201)})
    return f"{good}/{len(statuses)} stored" + (f" (others: {others})" if others else "")


def mb(value: int) -> str:
    return f"{value / 2**20:.0f} MB"


def main() -> None:
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=60)
    parser.add_argument("--concurrent", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = common.parse_arguments(parser)
    common.print_header("Worker memory under large record PUTs")
    rows = []
    with common.work_directory(args.keep, "reprostore-big-records-") as directory:
        for database in args.databases:
            rows += run(database, directory, args.size_mb * 2**20, args.concurrent, args.rounds)
    common.print_table(["run (1 worker)", "peak RSS", "RSS after", "result"], rows)
    common.print_load()


if __name__ == "__main__":
    main()
