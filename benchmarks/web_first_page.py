"""How fast the web pages open on a project of 100,000 Sumatra records.

    python benchmarks/web_first_page.py                      # 100,000 records, SQLite
    python benchmarks/web_first_page.py --records 20000 --database postgres://u@host/emptydb

Creates a store (in a temporary directory unless --root is given), bulk-inserts records with
realistic documents through the ORM, then requests pages with Django's test client, which runs
the whole view (session, permission check, count, page query, tags, template) but no network.
Prints one table: fastest, median and slowest time per page, the number of SQL queries, and
the median against the baseline's (the first page without parameter columns, as the table was
before it had them); the three pages issue 15 sets a target for (first page, a parameter sort,
the plot data) are marked under or OVER 150 ms. Prints the load average before and after.
"""

import argparse
import contextlib
import datetime
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

BATCH = 5000
TARGET_MS = 150
RUNNING = 3  # the newest records are still running
PROJECT = "benchmark"


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="records to create")
    parser.add_argument(
        "--root", help="store directory (default: a new temporary one; reused if filled before)"
    )
    parser.add_argument("--database", help="database URL (default: SQLite in the store)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--limit", type=float, default=30, help="give up on a page after this many seconds"
    )
    return parser.parse_args()


def configure(arguments) -> Path:
    root = Path(arguments.root or tempfile.mkdtemp(prefix="reprostore-benchmark-"))
    root.mkdir(parents=True, exist_ok=True)
    os.environ["REPROSTORE_ROOT"] = str(root)
    os.environ.setdefault("REPROSTORE_SECRET_KEY", "benchmark-only")
    if arguments.database:
        os.environ["REPROSTORE_DATABASE_URL"] = arguments.database
    os.environ["DJANGO_SETTINGS_MODULE"] = "reprostore.settings"
    import django

    django.setup()
    return root


def document(number: int, stamp: datetime.datetime, rng: random.Random, running=False) -> dict:
    """A record as `smt run` sends it: parameters, platform, dependencies, output, data; a
    `running` one as its second save leaves it (no duration or output yet)."""
    label = stamp.strftime("%Y%m%d-%H%M%S") + f"-{number:06}"
    n, tau = rng.choice([100, 200, 400, 800]), rng.choice([5.0, 10.0, 20.0])
    status = rng.choices(["finished", "failed", "killed"], weights=[94, 5, 1])[0]
    status = "running" if running else status
    failed = status != "finished"
    # A sweep as `smt run --label=parameters` records it: Sumatra adds `sumatra_label`.
    parameters = {
        "n": n, "tau_m": tau, "seed": number, "model": rng.choice(["lif", "adex"]),
        "dt": rng.choice([0.1, 0.05, 0.01]), "g_exc": round(rng.uniform(0.1, 2.0), 3),
        "stimulus": rng.choice(["poisson", "step", "ramp"]), "sumatra_label": label,
    }  # fmt: skip
    output = "".join(f"t={t} ms: rate {rng.uniform(1, 50):.2f} Hz\n" for t in range(0, 5000, 200))
    tags = [f"_{status}_", "paper"] if number % 100 == 0 else [f"_{status}_"]
    return {
        "label": label,
        "timestamp": stamp.strftime("%Y-%m-%d %H:%M:%S+0000"),
        "reason": f"Scan of the ring network: n={n}, tau_m={tau}",
        "duration": None if failed else round(rng.uniform(5, 600), 3),
        "executable": {"path": "/usr/bin/python3", "version": "3.11.7", "name": "Python",
                       "options": ""},
        "repository": {"url": "git@example.org:lab/ring.git", "type": "GitRepository",
                       "upstream": None},
        "main_file": "run_ring.py",
        "version": f"{rng.getrandbits(160):040x}",
        "parameters": {"type": "JSONParameterSet",
                       "content": json.dumps(parameters)},
        "input_data": [],
        "script_arguments": "<parameters>",
        "launch_mode": {"type": "SerialLaunchMode",
                        "parameters": {"working_directory": "/home/ann/ring", "options": None}},
        "datastore": {"type": "FileSystemDataStore", "parameters": {"root": "/home/ann/ring/Data"}},
        "input_datastore": {"type": "FileSystemDataStore", "parameters": {"root": "/"}},
        "outcome": "diverged" if failed else rng.choice(["stable", "stable, synchrony", ""]),
        "stdout_stderr": output,
        "output_data": [{"path": f"{label}/spikes.h5", "digest": f"{rng.getrandbits(160):040x}",
                         "metadata": {"mimetype": "application/x-hdf", "encoding": None,
                                      "size": rng.randint(10_000, 10_000_000)},
                         "creation": stamp.strftime("%Y-%m-%d %H:%M:%S+0000")}],
        "tags": tags,
        "diff": "",
        "user": "Ann Example <ann@example.org>",
        "dependencies": [{"name": name, "path": f"/usr/lib/python3/dist-packages/{name}",
                          "version": version, "module": "python", "diff": "", "source": None}
                         for name, version in (("numpy", "1.26.4"), ("scipy", "1.11.4"),
                                               ("brian2", "2.6.0"))],
        "platforms": [{"system_name": "Linux", "ip_addr": "10.0.0.7", "architecture_bits": "64bit",
                       "machine": "x86_64", "architecture_linkage": "ELF", "version": "#1 SMP",
                       "release": "6.1.0", "network_name": "node7", "processor": "x86_64"}],
        "repeats": None,
    }  # fmt: skip


def fill_store(count: int):
    """A project of `count` records (with tags and parameters), bulk-inserted; its owner."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from reprostore.lib.parameters import typed_value
    from reprostore.records import documents
    from reprostore.records.models import Level, Project, Record, RecordParameter, RecordTag
    from reprostore.records.operations import do_grant

    owner = get_user_model().objects.create_user("ann", password="benchmark-only")
    project = Project.objects.create(name=PROJECT, long_name="Ring network scan", created_by=owner)
    do_grant(None, project, owner, Level.ADMIN)
    rng = random.Random(4711)
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    for first in range(0, count, BATCH):
        docs = [
            document(
                number,
                start + datetime.timedelta(minutes=17 * number),
                rng,
                running=number >= count - RUNNING,
            )
            for number in range(first, min(first + BATCH, count))
        ]
        with transaction.atomic():
            records = Record.objects.bulk_create(
                Record(project=project, label=doc["label"], body=json.dumps(doc),
                       **documents.columns(doc))
                for doc in docs
            )  # fmt: skip
            RecordTag.objects.bulk_create(
                RecordTag(record=record, name=tag)
                for record, doc in zip(records, docs, strict=True)
                for tag in doc["tags"]
            )
            RecordParameter.objects.bulk_create(
                RecordParameter(record=record, name=name, **typed_value(value))
                for record, doc in zip(records, docs, strict=True)
                for name, value in documents.parameter_values(doc["parameters"]).items()
            )
        print(f"\r{first + len(docs):,} records", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return owner, project


def analyze() -> None:
    """PostgreSQL's autovacuum vacuums and analyses tables soon after a bulk load; do it now,
    so that the figures are those of a store that has settled. (SQLite never analyses itself,
    so it is left as a server would find it.)"""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


@contextlib.contextmanager
def time_limit(seconds: float):
    """Abort any SQL statement running longer than `seconds`: a pathological query plan must
    not turn the benchmark into an all-day run (the page then fails and the table says so)."""
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        deadline = time.monotonic() + seconds
        connection.connection.set_progress_handler(lambda: time.monotonic() > deadline, 100_000)
        try:
            yield
        finally:
            connection.connection.set_progress_handler(None, 0)
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(seconds * 1000)}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")


def count_queries():
    """A wrapper that counts the SQL statements run through it (its `count` attribute)."""

    def counter(execute, sql, params, many, context):
        counter.count += 1
        return execute(sql, params, many, context)

    counter.count = 0
    return counter


def time_page(client, url: str, repeat: int, limit: float, cold=False, json=False):
    """(fastest, median and slowest ms, SQL statements) of GET `url` as a browser asks for it
    (or a script, for `json`); None when a request took longer than `limit` seconds. `cold`
    empties the cache first, as a write to the project does for the tag counts."""
    from django.core.cache import cache
    from django.db import connection

    timings, counter = [], count_queries()
    for attempt in range(repeat + 1):  # the first one warms caches and is not counted
        if cold:
            cache.clear()
        started = time.perf_counter()
        with time_limit(limit), connection.execute_wrapper(counter):
            response = client.get(url, HTTP_ACCEPT="application/json" if json else "text/html")
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or elapsed > limit:
            return None
        if attempt:
            timings.append(elapsed * 1000)
    return min(timings), statistics.median(timings), max(timings), counter.count // (repeat + 1)


class Page(NamedTuple):
    name: str
    url: str
    cold: bool = False  # the cache emptied first, as a write to the project does
    target: bool = False  # one of the three pages issue 15 wants under TARGET_MS
    json: bool = False


def pages(project, last_label: str) -> list[Page]:
    """The pages timed. The first is the baseline: the table as it was before it had parameter
    columns and a status (`?columns=` shows none), which the others are compared with."""
    from django.urls import NoReverseMatch, reverse

    base = f"/records/{project.name}/"
    first = project.records.order_by("timestamp").first().label
    compare = f"/projects/{project.name}/compare/?label={last_label}&label={first}"
    listed = [
        Page("baseline: first page, no parameter columns", base + "?columns="),
        Page("project table, first page (newest first)", base, target=True),
        Page("the same, just after a write (cold caches)", base, cold=True),
        Page("sorted by a number parameter (seed, desc.)", base + "?sort=-parameter:seed",
             target=True),
        Page("sorted by a number parameter (g_exc)", base + "?sort=parameter:g_exc"),
        Page("sorted by a string parameter (stimulus)", base + "?sort=parameter:stimulus"),
        Page("sorted by g_exc, page 1,000 (offset 49,950)",
             base + "?sort=parameter:g_exc&page=1000"),
        Page("sorted by g_exc, tag 'paper' (1%)", base + "?sort=parameter:g_exc&tags=paper"),
        Page("status filter: failed (5%)", base + "?status=failed"),
        Page("status filter: running (3 records)", base + "?status=running"),
        Page("first page sorted by label", base + "?sort=label"),
        Page("first page sorted by duration", base + "?sort=-duration"),
        Page("first page of tag 'paper' (1%)", base + "?tags=paper"),
        Page("page 1,000 (offset 49,950)", base + "?page=1000"),
        Page("one record", f"{base}{last_label}/"),
        Page("compare two records", compare),
        Page("home (projects with counts)", "/"),
        Page("search: parameter:n > 300", base + "?q=parameter:n+%3E+300"),
    ]  # fmt: skip
    try:
        plot = reverse("web:plot_data", args=[project.name])
    except NoReverseMatch:
        return listed  # main() says that the plot data's slot is empty
    url = plot + "?x=parameter:g_exc&y=duration"
    return [*listed, Page("plot data: g_exc against duration (JSON)", url, target=True, json=True)]


def existing_store(count: int):
    """The owner and project of a store this script filled before with `count` records."""
    from reprostore.records.models import Project

    project = Project.objects.filter(name=PROJECT).select_related("created_by").first()
    if project is None:
        return None
    if project.records.count() != count:
        raise SystemExit(f"The store already has a '{PROJECT}' project of another size")
    return project.created_by, project


def new_store(count: int, root: Path):
    started = time.perf_counter()
    owner, project = fill_store(count)
    analyze()
    seconds = time.perf_counter() - started
    print(f"Made {count:,} records in {seconds:.0f} s in {root}", file=sys.stderr)
    return owner, project


def main() -> None:
    arguments = parse_arguments()
    root = configure(arguments)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("init", str(root), stdout=io.StringIO())
    owner, project = existing_store(arguments.records) or new_store(arguments.records, root)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)
    last_label = project.records.order_by("-timestamp").first().label
    print(f"\n{arguments.records:,} records, {connection.vendor}, {arguments.repeat} requests each")
    print(f"load average at the start: {load_average()}")
    print(f"{'page':<46} {'fastest':>9} {'median':>9} {'slowest':>9} {'queries':>8} {'vs base':>8}")
    listed, baseline = pages(project, last_label), None
    for page in listed:
        timing = time_page(client, page.url, arguments.repeat, arguments.limit, page.cold,
                           page.json)  # fmt: skip
        if timing is None:
            print(f"{page.name:<46} over {arguments.limit:.0f} s or not 200: gave up", flush=True)
            continue
        fastest, median, slowest, queries = timing
        baseline = baseline or median
        times = " ".join(f"{ms:>6.1f} ms" for ms in (fastest, median, slowest))
        verdict = ("  under" if median < TARGET_MS else "  OVER") if page.target else ""
        print(f"{page.name:<46} {times} {queries:>8} {median / baseline:>7.2f}x{verdict}",
              flush=True)  # fmt: skip
    if not any(page.json for page in listed):
        print("plot data: SLOT EMPTY, this reprostore has no /projects/<p>/plot/data/ yet")
    print(f"load average at the end: {load_average()}")
    print(f"(`under`/`OVER`: a median below or above the target of {TARGET_MS} ms)")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
