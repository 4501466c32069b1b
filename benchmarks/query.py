"""Time the SQL query evaluator against pyorderly's in-memory one on 100,000 or 1,000,000 packets.

    python benchmarks/query.py                      # SQLite (a temporary file)
    python benchmarks/query.py --database postgres  # a fresh PostgreSQL database, dropped after
    python benchmarks/query.py --packets 1000000    # issue 13's `latest` at a million packets

It bulk-inserts an index of realistic packets (names of orderly reports, typed parameters) with
the index's own bulk insert, then runs each query with reprostore's evaluator
(`reprostore.packets.search.search`: parse, one or two SQL statements, ids sorted) and with
pyorderly's `eval_query` over the same metadata already loaded into memory (warm), which is how
pyorderly searches. Both must find the same ids. Times are medians of several runs, in
milliseconds; the ratio is ours over pyorderly's (0.05x: a twentieth of its time).
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from common import databases, print_header, print_load, print_table

REPORTS = [
    "incoming-data",
    "model-fit",
    "model-fit-bootstrap",
    "coverage-estimates",
    "impact-report",
    "x",
] + [f"country-report-{code}" for code in range(200)]
DISEASES = ["YF", "HepB", "Measles", "MenA", "HPV", "Rubella", "JE", "Typhoid", "PCV", "Rota"]
QUERIES = [
    "latest",
    'latest(name == "x")',
    'latest(name == "x" && parameter:a > 1)',
    'name == "model-fit"',
    "parameter:tolerance >= 0.2 && parameter:tolerance < 0.3",
    '!(parameter:disease == "YF")',
    'parameter:disease == "YF" || parameter:disease == "HepB"',
    "single(id == '{single_id}')",
    "latest()",
    'latest(name == "impact-report" && parameter:disease == "MenA" && parameter:pull_data == true)',
]


def main():
    options = arguments()
    print_header(f"query evaluation, {options.packets:,} packets, {options.database}")
    database_url, cleanup = make_database(options.database)
    try:
        setup_django(database_url)
        metadata = build_index(options.packets, options.seed)
        compare(options, metadata)
    finally:
        cleanup()


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--packets", type=int, default=100_000, help="index size (100,000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query; the median counts")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def make_database(kind):
    """A new empty database and a function that removes it."""
    if kind == "sqlite":
        directory = tempfile.TemporaryDirectory(prefix="reprostore-bench-")
        return f"sqlite:///{Path(directory.name) / 'bench.sqlite3'}", directory.cleanup
    url = databases.create_postgres_database()

    def drop():
        from django.db import connections

        connections.close_all()
        databases.drop_postgres_database(url)

    return url, drop


def setup_django(database_url):
    os.environ["REPROSTORE_DATABASE_URL"] = database_url
    os.environ.setdefault("REPROSTORE_ROOT", tempfile.mkdtemp(prefix="reprostore-bench-root-"))
    os.environ.setdefault("REPROSTORE_SECRET_KEY", "benchmark")
    os.environ["DJANGO_SETTINGS_MODULE"] = "reprostore.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def generate(count, seed):
    """(id, name, parameters) of `count` packets, one every ten minutes or so, ids sorted."""
    rng = random.Random(seed)
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    packets = []
    for n in range(count):
        moment = start + datetime.timedelta(seconds=n * 600 + rng.randrange(600))
        packet_id = f"{moment:%Y%m%d-%H%M%S}-{rng.getrandbits(32):08x}"
        name = rng.choice(REPORTS)
        parameters = {
            "a": rng.randrange(10),
            "disease": rng.choice(DISEASES),
            "tolerance": round(rng.random(), 4),
            "pull_data": rng.random() < 0.5,
        }
        if rng.random() < 0.1:
            parameters = {}
        elif rng.random() < 0.05:
            parameters["regions"] = ["north", "south"]
        packets.append((packet_id, name, parameters, moment.timestamp()))
    return packets


def build_index(count, seed):
    from django.db import transaction

    from reprostore.lib.parameters import typed_value
    from reprostore.lib.rows import insert_rows
    from reprostore.packets.index import PACKET_COLUMNS, PARAMETER_COLUMNS
    from reprostore.packets.models import Packet, PacketParameter

    packets = generate(count, seed)
    started = time.perf_counter()
    # The index's own bulk insert (packets/index.py), as `reindex` fills it.
    json_value = "%s::jsonb" if options_database() == "postgres" else "%s"
    for start in range(0, len(packets), 10_000):
        chunk = packets[start : start + 10_000]
        with transaction.atomic():
            insert_rows(
                Packet,
                PACKET_COLUMNS,
                [
                    (i, name, "sha256:0", at, at + 60, json.dumps(parameters), None)
                    for i, name, parameters, at in chunk
                ],
                ["%s"] * 5 + [json_value] * 2,
            )
            insert_rows(
                PacketParameter,
                PARAMETER_COLUMNS,
                [
                    (i, key, typed["kind"].value, typed["text"], typed["number"], typed["boolean"])
                    for i, _, parameters, _ in chunk
                    for key, value in parameters.items()
                    for typed in [typed_value(value)]
                ],
            )
    analyse()
    print(f"Indexed {count:,} packets in {time.perf_counter() - started:.1f} s")
    # pyorderly reads each packet's metadata into memory; this is that, already done.
    return {
        i: SimpleNamespace(id=i, name=name, parameters=parameters)
        for i, name, parameters, _ in packets
    }


def options_database():
    from django.db import connection

    return "postgres" if connection.vendor == "postgresql" else "sqlite"


def analyse():
    """Fresh planner statistics, as a database that has been running a while has."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def pyorderly_search(node, metadata):
    from pyorderly.outpack.search import eval_query

    env = SimpleNamespace(index=SimpleNamespace(index=metadata), this=None)
    return sorted(eval_query(node, env))


def median_time(function, repeat):
    """(median ms, last result): the machine is shared, and a median is steadier than a best."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def compare(options, metadata):
    import outpack_query_parser

    from reprostore.packets.search import search

    single_id = sorted(metadata)[len(metadata) // 3]
    rows = []
    for template in QUERIES:
        text = template.format(single_id=single_id)
        node = outpack_query_parser.parse_query(text)
        sql_ms, found = median_time(lambda text=text: search(text), options.repeat)
        memory_ms, expected = median_time(
            lambda node=node: pyorderly_search(node, metadata), options.repeat
        )
        if found != expected:
            sys.exit(f"Different results for {text}: {len(found)} against {len(expected)}")
        rows.append(
            [
                f"`{text}`",
                f"{len(found):,}",
                f"{sql_ms:.1f}",
                f"{memory_ms:.1f}",
                f"{sql_ms / memory_ms:.4f}x (1/{memory_ms / sql_ms:,.0f})",
            ]
        )
    print(f"\nMedian of {options.repeat} runs, in ms; ratio = SQL / pyorderly\n")
    print_load()
    print_table(["query", "found", "SQL", "pyorderly (in memory, warm)", "ratio"], rows)


if __name__ == "__main__":
    main()
