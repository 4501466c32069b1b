"""`reprostore reindex` of 100,000 and 1,000,000 packets: today's code against this one.

Each size is an outpack root written as spec §1-2 lays it out (`common.write_packets`). For each
database, `reprostore reindex` runs on a fresh database twice in a row: first the code of
`--baseline-revision` (today's code, exported with `git archive` and put first on PYTHONPATH),
then this checkout's. Today's code indexes packet by packet with a commit each; it is run only
up to `--baseline-up-to` packets (at a million it would take hours). Both must index the same
number of packets and entries.

    python benchmarks/reindex.py [--packets 100000,1000000] [--databases sqlite,postgres]
                                 [--roots DIR] [--repeat 1]

`--roots DIR` keeps the written roots there and reuses them in later runs.
"""

import re
import statistics
from pathlib import Path

import common

INDEXED = re.compile(r"Indexed (\d+) packets and (\d+) location entries")


def reindex(root: Path, database: str, work: Path, pythonpath: str | None) -> tuple:
    """(wall s, CPU s, packets, entries) of one reindex into a fresh database."""
    url, drop = common.fresh_database(database, work)
    try:
        # Migrate first, untimed: a new database's tables are not what is measured.
        common.run_reprostore("migrate", root=root, database_url=url, pythonpath=pythonpath)
        wall, cpu, output = common.run_reprostore(
            "reindex", root=root, database_url=url, pythonpath=pythonpath
        )
    finally:
        drop()
    packets, entries = map(int, INDEXED.search(output).groups())
    return wall, cpu, packets, entries


def main() -> None:
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--packets", type=common.comma_list(int), default=[100_000, 1_000_000])
    parser.add_argument("--baseline-up-to", type=int, default=100_000)
    parser.add_argument("--roots", type=Path, help="keep and reuse the written roots here")
    parser.add_argument("--repeat", type=int, default=1, help="median of this many runs")
    common.add_baseline_argument(parser)
    args = common.parse_arguments(parser)
    common.print_header("reindex: today's code against this one")
    rows = []
    with (
        common.work_directory(args.keep, "reindex-") as work,
        common.baseline_source(args.baseline_revision) as baseline,
    ):
        for count in args.packets:
            root = common.packet_root(work, count, args.roots)
            for database in args.databases:
                runs = {"today's code": [], "this code": []}
                for _ in range(args.repeat):
                    if count <= args.baseline_up_to:
                        runs["today's code"].append(reindex(root, database, work, baseline))
                    runs["this code"].append(reindex(root, database, work, None))
                rows.append(row(database, count, runs))
                print("| " + " | ".join(rows[-1]) + " |", flush=True)
    print()
    common.print_load()
    common.print_table(
        [
            "database",
            "packets",
            "today's code s",
            "this code s",
            "speed-up",
            "this code packets/s",
            "CPU s (today / this)",
            "indexed (today / this)",
            "load average",
        ],
        rows,
    )


def row(database: str, count: int, runs: dict) -> list[str]:
    old, new = runs["today's code"], runs["this code"]
    new_wall = statistics.median(r[0] for r in new)
    old_wall = statistics.median(r[0] for r in old) if old else None
    counts = [f"{r[2]}+{r[3]}" for r in (old[-1:] + new[-1:])]
    if len(set(counts)) > 1:
        counts.append("DIFFERENT")
    return [
        database,
        f"{count:,}",
        f"{old_wall:.1f}" if old else "-",
        f"{new_wall:.1f}",
        f"{old_wall / new_wall:.1f}x" if old else "-",
        f"{count / new_wall:,.0f}",
        " / ".join(f"{statistics.median(r[1] for r in rs):.0f}" for rs in (old, new) if rs),
        " / ".join(counts),
        common.load_average(),
    ]


if __name__ == "__main__":
    main()
