"""The JSON listing of a project of 1,000,000 records: today's code against this one.

One project of `--records` Sumatra records (documents shaped as sumatra 0.8.1 writes them, two
kilobytes each, labels as `smt` makes them) is loaded in bulk into a fresh database (the rows
`records/operations.py` writes for a PUT: record, tags, typed parameters; a million PUTs would
take hours and this is about reading). Two servers then answer
`GET /records/big/` with `Accept: application/json` on that database: `reprostore serve` of
`--baseline-revision` (today's code, exported with `git archive`) and of this checkout. Both
must answer the same bytes. A request is timed until its whole body has arrived; worker memory
is the resident size of the gunicorn workers, sampled every 20 ms.

    python benchmarks/record_listing.py [--records 1000000] [--databases sqlite,postgres]
                                        [--repeat 5]
"""

import hashlib
import json
import statistics
import time
from pathlib import Path
from types import SimpleNamespace

import common
import requests

PROJECT = "big"
# The last records migration before the covering index that this code's listing reads.
TODAYS_INDEX = "0006"
ACCEPT = {"Accept": "application/json"}

# Run with `reprostore shell -c`: the rows a PUT writes, a few thousand records per statement.
LOAD_RECORDS = """
import datetime, json, random
from django.contrib.auth import get_user_model
from django.db import transaction
from reprostore.lib.parameters import typed_value
from reprostore.records import documents
from reprostore.records.models import Level, Project, Record, RecordParameter, RecordTag
from reprostore.records.operations import do_grant
from tests.support.records import record_document

user = get_user_model().objects.get(username={user!r})
project = Project.objects.create(name={project!r}, created_by=user)
do_grant(None, project, user, Level.ADMIN)
rng = random.Random(7)
start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)

def document(index):
    stamp = start + datetime.timedelta(seconds=index * 60 + rng.randrange(60))
    label = f"{{stamp:%Y%m%d-%H%M%S}}-{{index:07d}}"
    a, name = rng.randrange(10), rng.choice(("ring", "chain", "grid"))
    return record_document(
        label,
        timestamp=f"{{stamp:%Y-%m-%d %H:%M:%S%z}}",
        parameters={{"type": "SimpleParameterSet", "content": f'a = {{a}}\\nname = "{{name}}"'}},
        tags=["_finished_"] + (["paper"] if index % 20 == 0 else []),
    )

for first in range(0, {count}, 5000):
    batch = [document(i) for i in range(first, min({count}, first + 5000))]
    with transaction.atomic():
        records = Record.objects.bulk_create(
            Record(project=project, label=d["label"], body=json.dumps(d), **documents.columns(d))
            for d in batch
        )
        RecordTag.objects.bulk_create(
            RecordTag(record=r, name=tag) for r, d in zip(records, batch) for tag in d["tags"]
        )
        RecordParameter.objects.bulk_create(
            RecordParameter(record=r, name=name, **typed_value(value))
            for r, d in zip(records, batch)
            for name, value in documents.parameter_values(d["parameters"]).items()
        )
"""


def load(url: str, work: Path, count: int) -> float:
    """Migrate a fresh database, add the benchmark user and the records; seconds taken."""
    root = work / "store"
    common.run_reprostore("migrate", root=root, database_url=url)
    script = (
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_user({common.USER!r}, password={common.PASSWORD!r})\n"
    )
    common.run_reprostore("shell", "-c", script, root=root, database_url=url)
    began = time.monotonic()
    loader = LOAD_RECORDS.format(user=common.USER, project=PROJECT, count=count)
    # The loader uses the test helpers' record documents.
    common.run_reprostore(
        "shell", "-c", loader, root=root, database_url=url, pythonpath=str(common.REPO)
    )
    return time.monotonic() - began


def measure_server(server, repeat: int, workers: int) -> dict:
    session = requests.Session()
    session.auth = (common.USER, common.PASSWORD)
    for _ in range(2 * workers):
        session.get(f"{server.url}/records/", headers=ACCEPT, timeout=60)
    pids = common.worker_pids(server)[1:]
    idle = max(common.rss_bytes(pid) for pid in pids)
    times, digests, peak = [], set(), common.PeakMemory(pids)
    for _ in range(repeat):
        began = time.perf_counter()
        response = session.get(f"{server.url}/records/{PROJECT}/", headers=ACCEPT, timeout=900)
        body = response.content
        times.append(time.perf_counter() - began)
        response.raise_for_status()
        # The host and port differ between the two servers: compare the bytes without them.
        digests.add(hashlib.sha256(body.replace(server.url.encode(), b"")).hexdigest())
    return {
        "seconds": statistics.median(times),
        "idle": idle,
        "peak": peak.stop(),
        "digest": digests.pop() if len(digests) == 1 else "varies",
        "records": len(json.loads(body)["records"]),
        "megabytes": len(body) / 1e6,
    }


def main() -> None:
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="median of this many requests")
    common.add_baseline_argument(parser)
    args = common.parse_arguments(parser)
    common.print_header(f"JSON listing of a project of {args.records:,} records")
    rows = []
    with (
        common.work_directory(args.keep, "record-listing-") as work,
        common.baseline_source(args.baseline_revision) as baseline,
    ):
        for database in args.databases:
            url, drop = common.fresh_database(database, work)
            try:
                seconds = load(url, work, args.records)
                print(f"# {database}: loaded {args.records:,} records in {seconds:.0f} s")
                # Statistics, as a database that has been running a while has them.
                if database == "postgres":
                    common.analyze_postgres(SimpleNamespace(database_url=url))
                results = {}
                for label, environ, records_migration in (
                    ("today's code", {"PYTHONPATH": baseline}, TODAYS_INDEX),
                    ("this code", {}, None),
                ):
                    # Each server runs on its own code's indexes: today's code on the database
                    # as it was before the covering index (records 0007).
                    migrate = (
                        ("migrate", "records", records_migration)
                        if records_migration
                        else ("migrate",)
                    )
                    common.run_reprostore(*migrate, root=work / "store", database_url=url)
                    server = common.LiveServer(
                        work / "store", url, workers=args.workers, extra_env=environ
                    )
                    try:
                        results[label] = measure_server(server, args.repeat, args.workers)
                    finally:
                        server.stop()
            finally:
                drop()
            rows += table_rows(database, results)
            for row in rows[-2:]:
                print("| " + " | ".join(row) + " |", flush=True)
    print()
    common.print_load()
    common.print_table(
        [
            "database",
            "records",
            "answered by",
            "ms (median)",
            "vs today's code",
            "worker RSS idle / peak MB",
            "body",
            "load average",
        ],
        rows,
    )


def table_rows(database: str, results: dict) -> list[list[str]]:
    old, new = results["today's code"], results["this code"]
    rows = []
    for label, result in results.items():
        body = f"{result['records']:,} URLs, {result['megabytes']:.0f} MB"
        if label == "this code":
            body += ", same bytes" if old["digest"] == new["digest"] else ", DIFFERENT BYTES"
        rows.append(
            [
                database,
                f"{result['records']:,}",
                f"reprostore, {label}",
                f"{result['seconds'] * 1000:.0f}",
                "-" if result is old else common.ratio(result["seconds"], old["seconds"]),
                f"{result['idle'] / 1e6:.0f} / {result['peak'] / 1e6:.0f}",
                body,
                common.load_average(),
            ]
        )
    return rows


if __name__ == "__main__":
    main()
