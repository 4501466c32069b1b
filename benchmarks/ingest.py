"""Record ingest: 32 concurrent clients save 10,000 realistic Sumatra records.

Baseline: the same records saved with sumatra's own DjangoRecordStore (SQLite file) from 32
processes, each calling `store.save` once per record as `smt run` does (no retry).
reprostore: 32 threads, each with a requests.Session and HTTP Basic auth, PUT the same documents
to /records/<project>/<label>/ of one `reprostore serve`, on SQLite and on PostgreSQL.

    python benchmarks/ingest.py [--records 10000] [--clients 32] [--databases sqlite,postgres]
"""

import collections
import json
import multiprocessing
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import common
import requests

CONTENT_TYPE = "application/vnd.sumatra.record-v4+json"


@dataclass
class Ingest:
    store: str
    sent: int = 0
    acknowledged: int = 0
    found: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    latencies: list = field(default_factory=list)
    errors: collections.Counter = field(default_factory=collections.Counter)

    @property
    def per_second(self) -> float:
        return self.acknowledged / self.wall if self.wall else 0.0


# reprostore over HTTP


def ingest_reprostore(
    database: str,
    directory: Path,
    documents,
    clients: int,
    workers: int,
    baseline: str | None = None,
):
    """One server on a fresh store takes the documents; with `baseline` (a source tree, see
    `common.baseline_source`), the server runs that code: today's code."""
    label = common.server_label(database, workers)
    if baseline:
        label = label[:-1] + ", today's code)"
    result = Ingest(label, sent=len(documents))
    environ = {"PYTHONPATH": baseline} if baseline else {}
    with common.reprostore_server(database, directory, workers, **environ) as server:
        session = client_session()
        for project in sorted({project for project, _ in documents}):
            session.put(f"{server.url}/records/{project}/", data=b"{}", timeout=60)
        requests_to_send = [
            (f"{server.url}/records/{project}/{document['label']}/", json.dumps(document))
            for project, document in documents
        ]
        lock = threading.Lock()
        threads = [
            threading.Thread(target=put_records, args=(requests_to_send[i::clients], result, lock))
            for i in range(clients)
        ]
        cpu_before = common.server_cpu_seconds(server)
        start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result.wall = time.monotonic() - start
        result.cpu = common.server_cpu_seconds(server) - cpu_before
        result.found = count_reprostore(server, {project for project, _ in documents})
    return result


def client_session() -> requests.Session:
    session = requests.Session()
    session.auth = (common.USER, common.PASSWORD)
    session.headers["Content-Type"] = CONTENT_TYPE
    return session


def put_records(requests_to_send, result: Ingest, lock: threading.Lock) -> None:
    session = client_session()
    for url, body in requests_to_send:
        began = time.monotonic()
        try:
            response = session.put(url, data=body.encode(), timeout=300)
            outcome = None if response.ok else f"{response.status_code} {response.text[:100]}"
        except requests.RequestException as error:
            outcome = f"{type(error).__name__}: {str(error)[:100]}"
        elapsed = time.monotonic() - began
        with lock:
            result.latencies.append(elapsed)
            if outcome is None:
                result.acknowledged += 1
            else:
                result.errors[outcome] += 1


def count_reprostore(server, projects: set[str]) -> int:
    session = client_session()
    session.headers["Accept"] = "application/json"
    total = 0
    for project in projects:
        response = session.get(f"{server.url}/records/{project}/", timeout=300)
        response.raise_for_status()
        total += len(response.json()["records"])
    return total


# sumatra's own store from 32 processes


def ingest_sumatra(directory: Path, records: int, seed: int, clients: int, budget: float) -> Ingest:
    directory.mkdir(parents=True, exist_ok=True)
    db_file = directory / "records"
    context = multiprocessing.get_context("spawn")
    # One process creates the schema and saves a first record in each project, as `smt init`
    # and a first run by hand do; those records are part of the count.
    setup = context.Process(target=sumatra_setup, args=(str(db_file), records, seed))
    setup.start()
    setup.join()
    first = len(common.PROJECTS)
    barrier, results = context.Barrier(clients), context.Queue()
    workers = [
        context.Process(
            target=sumatra_worker,
            args=(str(db_file), records, seed, clients, i, barrier, results, budget),
        )
        for i in range(clients)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=3600) for _ in workers]
    for worker in workers:
        worker.join()
    result = Ingest(
        f"sumatra (Django/SQLite file, {clients} process{'es' if clients > 1 else ''})",
        sent=first,
        acknowledged=first,
    )
    for _began, _ended, cpu, latencies, acknowledged, errors in outcomes:
        result.sent += len(latencies)
        result.cpu += cpu
        result.latencies += latencies
        result.acknowledged += acknowledged
        result.errors.update(errors)
    result.wall = max(o[1] for o in outcomes) - min(o[0] for o in outcomes)
    with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True) as connection:
        result.found = connection.execute("SELECT count(*) FROM django_store_record").fetchone()[0]
    return result


def sumatra_store(db_file: str):
    common.switch_off_internet_probe()
    from sumatra.recordstore.django_store import DjangoRecordStore

    store = DjangoRecordStore(db_file)
    store._get_models()  # configures Django and migrates, outside the timed part
    return store


def sumatra_setup(db_file: str, records: int, seed: int) -> None:
    store = sumatra_store(db_file)
    from sumatra.recordstore.serialization import build_record

    for project, document in first_records(records, seed):
        store.save(project, build_record(document))


def first_records(records: int, seed: int) -> list:
    return common.realistic_documents(records, seed)[: len(common.PROJECTS)]


def later_records(records: int, seed: int, clients: int, index: int) -> list:
    return common.realistic_documents(records, seed)[len(common.PROJECTS) :][index::clients]


def sumatra_worker(db_file, records, seed, clients, index, barrier, results, budget):
    store = sumatra_store(db_file)
    from sumatra.recordstore.serialization import build_record

    mine = [
        (project, build_record(document))
        for project, document in later_records(records, seed, clients, index)
    ]
    latencies, errors, acknowledged = [], collections.Counter(), 0
    barrier.wait()
    began, cpu = time.time(), time.process_time()
    for project, record in mine:
        if time.time() > began + budget:
            break  # sumatra's store can take hours for 10,000 records under contention
        started = time.monotonic()
        try:
            store.save(project, record)
            acknowledged += 1
        except Exception as error:  # what `smt run` would die of; counted, not raised
            errors[f"{type(error).__name__}: {str(error).splitlines()[0][:100]}"] += 1
        latencies.append(time.monotonic() - started)
    results.put((began, time.time(), time.process_time() - cpu, latencies, acknowledged, errors))


def main() -> None:
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="records to save (10000)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument(
        "--budget",
        type=float,
        default=300,
        help="seconds sumatra's own store may take; records not tried by then are not sent (300)",
    )
    parser.add_argument("--seed", type=int, default=5, help="seed of the record generator")
    parser.add_argument(
        "--baseline-processes",
        type=common.comma_list(int),
        default=[32, 1],
        help="process counts for sumatra's own store (32,1: the burst, and its best case with "
        "no contention; empty to skip)",
    )
    parser.add_argument(
        "--no-today",
        action="store_true",
        help="skip the servers of --baseline-revision (today's code)",
    )
    common.add_baseline_argument(parser)
    args = common.parse_arguments(parser)
    common.print_header(f"ingest: {args.clients} clients save {args.records} records")
    documents = common.realistic_documents(args.records, args.seed)
    megabytes = sum(len(json.dumps(d)) for _, d in documents) / 1e6
    print(f"# {len(documents)} documents, {megabytes:.1f} MB of JSON")

    results = []
    with common.work_directory(args.keep, "ingest-") as work:
        for processes in args.baseline_processes:
            directory = work / f"sumatra-{processes}"
            results.append(
                ingest_sumatra(directory, args.records, args.seed, processes, args.budget)
            )
            report(results[-1:])
        with common.baseline_source(args.baseline_revision) as baseline:
            for database in args.databases:
                if not args.no_today:
                    results.append(
                        ingest_reprostore(
                            database,
                            work / f"{database}-today",
                            documents,
                            args.clients,
                            args.workers,
                            baseline,
                        )
                    )
                    report(results[-1:])
                results.append(
                    ingest_reprostore(
                        database, work / database, documents, args.clients, args.workers
                    )
                )
                report(results[-1:])
    print()
    common.print_load()
    report(results)


def cpu_vs_today(result: Ingest, results: list[Ingest]) -> str:
    """This code's server CPU per record over today's code's, on the same database."""
    today = result.store[:-1] + ", today's code)"
    for other in results:
        if other.store == today and other.acknowledged and result.acknowledged:
            return common.ratio(result.cpu / result.acknowledged, other.cpu / other.acknowledged)
    return "-"


def report(results: list[Ingest]) -> None:
    baselines = [r for r in results if r.store.startswith("sumatra")]
    rows = [
        [
            r.store,
            r.sent,
            r.acknowledged,
            r.found,
            sum(r.errors.values()),
            f"{r.wall:.1f}",
            f"{r.per_second:.0f}",
            f"{common.median(r.latencies) * 1000:.0f}",
            f"{common.percentile(r.latencies, 0.99) * 1000:.0f}",
            f"{r.cpu / max(r.acknowledged, 1) * 1000:.1f}",
            cpu_vs_today(r, results),
            *(common.ratio(r.per_second, b.per_second) for b in baselines),
        ]
        for r in results
    ]
    common.print_table(
        [
            "store",
            "sent",
            "acknowledged",
            "in store",
            "errors",
            "wall s",
            "records/s",
            "p50 ms",
            "p99 ms",
            "CPU ms/record",
            "CPU vs today's code",
            *(f"records/s vs {b.store.split(', ', 1)[1][:-1]}" for b in baselines),
        ],
        rows,
    )
    for r in results:
        for message, count in r.errors.most_common():
            print(f"  {r.store}: {count} x {message}")
        if r.found != r.acknowledged:
            print(f"  {r.store}: {r.acknowledged} acknowledged but {r.found} in the store")


if __name__ == "__main__":
    main()
