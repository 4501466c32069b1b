"""The burst: N `smt run` jobs finish at the same moment and record into one store.

Baseline: Sumatra's own default store (its DjangoRecordStore on SQLite in .smt/records).
reprostore: the same jobs recording over HTTP into `reprostore serve`, on SQLite and PostgreSQL.

    python benchmarks/burst.py [--n 20,50,100] [--databases sqlite,postgres] [--sleep 3]
"""

import collections
import re
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import common
import requests

from tests.support.smt import SmtProject

PROJECT = "burst"
# The last line of a traceback, e.g. "django.db.utils.OperationalError: database is locked".
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*$")


@dataclass
class Burst:
    store: str
    n: int
    wall: float = 0.0
    found: int = 0
    complete: int = 0
    failed: int = 0
    errors: collections.Counter = field(default_factory=collections.Counter)

    @property
    def expected(self) -> int:
        return self.n + 1  # the burst and the first job


def first_error_line(output: str) -> str:
    """The exception line of a failed job (the last one, which names the cause), or the
    output's last line when the job died without a traceback."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    exceptions = [line for line in lines if EXCEPTION_LINE.match(line)]
    if exceptions:
        return exceptions[-1][:160]
    return (lines[-1] if lines else "no output")[:160]


def run_burst(project: SmtProject, result: Burst, sleep: float, timeout: float) -> None:
    # The project exists before the burst, as on a cluster where a first job was run by hand.
    project.smt("run", "default.param", "a=0", "sleep=0.2")
    start = time.monotonic()
    jobs = [
        project.start_run("default.param", f"a={i}", f"sleep={sleep}")
        for i in range(1, result.n + 1)
    ]
    deadline = start + timeout
    for job in jobs:
        try:
            output = job.communicate(timeout=max(1.0, deadline - time.monotonic()))[0]
        except subprocess.TimeoutExpired:
            job.kill()
            output = job.communicate()[0] + f"\nTimedOut: still running after {timeout:.0f} s"
        if job.returncode != 0:
            result.failed += 1
            result.errors[first_error_line(output)] += 1
    result.wall = time.monotonic() - start


def count_sumatra_sqlite(db_file: Path) -> tuple[int, int]:
    """(records, complete records) in sumatra's own store, read with sqlite3 so that the count
    does not depend on the client that may just have failed. Its store writes a record in
    several autocommitted steps (the row, then data keys, dependencies, platforms), so a job that
    fails half-way leaves a `_finished_` row without its dependencies or platforms."""
    with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=60) as connection:
        rows = connection.execute(
            """SELECT r.tags,
                 EXISTS(SELECT 1 FROM django_store_record_dependencies d
                        WHERE d.record_id = r.db_id),
                 EXISTS(SELECT 1 FROM django_store_record_platforms p
                        WHERE p.record_id = r.db_id)
               FROM django_store_record r WHERE r.project_id = ?""",
            (PROJECT,),
        ).fetchall()
    complete = [
        "_finished_" in tags.split(",") and has_dependencies and has_platforms
        for tags, has_dependencies, has_platforms in rows
    ]
    return len(rows), sum(complete)


def count_reprostore(server) -> tuple[int, int]:
    """(records, complete records): each record is fetched back, as the client would read it."""
    session = requests.Session()
    session.auth = (common.USER, common.PASSWORD)
    session.headers["Accept"] = "application/json"
    response = session.get(f"{server.url}/records/{PROJECT}/", timeout=120)
    response.raise_for_status()
    complete = 0
    for url in response.json()["records"]:
        record = session.get(url, timeout=120).json()
        complete += (
            "_finished_" in record["tags"]
            and bool(record["dependencies"])
            and bool(record["platforms"])
        )
    return len(response.json()["records"]), complete


def burst_baseline(directory: Path, n: int, sleep: float, timeout: float) -> Burst:
    db_file = directory / "sim" / ".smt" / "records"
    # A path that does not exist yet: sumatra falls back to its DefaultRecordStore, the
    # DjangoRecordStore on SQLite, exactly what `smt init` without --store creates.
    project = SmtProject(directory / "sim", str(db_file), name=PROJECT)
    store = project.smt("info").stdout
    if "Django" not in store:
        raise SystemExit(f"expected sumatra's Django store, `smt info` says:\n{store}")
    project.smt("configure", "--labelgenerator=uuid")
    result = Burst("sumatra (Django/SQLite file)", n)
    run_burst(project, result, sleep, timeout)
    result.found, result.complete = count_sumatra_sqlite(db_file)
    return result


def burst_reprostore(
    directory: Path, database: str, n: int, sleep: float, timeout: float, workers: int
) -> Burst:
    with common.reprostore_server(database, directory / "server", workers) as server:
        store_url = f"http://{common.USER}:{common.PASSWORD}@127.0.0.1:{server.port}/records/"
        project = SmtProject(directory / "sim", store_url, name=PROJECT)
        project.smt("configure", "--labelgenerator=uuid")
        result = Burst(common.server_label(database, workers), n)
        run_burst(project, result, sleep, timeout)
        result.found, result.complete = count_reprostore(server)
    return result


def main() -> None:
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--n", type=common.comma_list(int), default=[20, 50, 100])
    parser.add_argument("--sleep", type=float, default=3.0, help="seconds each job sleeps (3)")
    parser.add_argument("--timeout", type=float, default=900, help="bound on one burst (900 s)")
    parser.add_argument("--no-baseline", action="store_true", help="skip sumatra's own store")
    args = common.parse_arguments(parser)
    common.print_header("burst: N concurrent `smt run` jobs, then count the records kept")

    results = []
    with common.work_directory(args.keep, "burst-") as work:
        for n in args.n:
            if not args.no_baseline:
                results.append(burst_baseline(work / f"baseline-{n}", n, args.sleep, args.timeout))
                report([results[-1]], None)
            for database in args.databases:
                run = burst_reprostore(
                    work / f"{database}-{n}", database, n, args.sleep, args.timeout, args.workers
                )
                results.append(run)
                report([run], None)
    print()
    common.print_load()
    report(results, None if args.no_baseline else "sumatra")


def report(results: list[Burst], baseline_prefix: str | None) -> None:
    baselines = {r.n: r for r in results if baseline_prefix and r.store.startswith(baseline_prefix)}
    rows = []
    for r in results:
        base = baselines.get(r.n)
        rows.append(
            [
                r.store,
                r.n,
                r.expected,
                r.found,
                r.complete,
                r.failed,
                f"{r.wall:.1f}",
                f"{r.complete}/{base.complete}" if base and base is not r else "-",
                common.ratio(r.wall, base.wall) if base and base is not r else "-",
            ]
        )
    common.print_table(
        [
            "store",
            "N",
            "expected",
            "found",
            "complete",
            "failed jobs",
            "wall s",
            "kept vs baseline",
            "wall vs baseline",
        ],
        rows,
    )
    for r in results:
        for message, count in r.errors.most_common():
            print(f"  {r.store}, N={r.n}: {count} x {message}")


if __name__ == "__main__":
    main()
