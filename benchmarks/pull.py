"""pyorderly pull: 1,000 small packets into a fresh pyorderly root.

Baseline: pyorderly pulling the same packets from a `path` location (the root on local disk).
reprostore: pyorderly pulling them from an `http` location, `reprostore serve` on a copy of that
root, on SQLite and PostgreSQL. Each pull is metadata first, then every packet, as
`orderly_location_pull` does.

    python benchmarks/pull.py [--packets 1000] [--databases sqlite,postgres]
"""

import contextlib
import io
import time
from pathlib import Path
from urllib.parse import quote

import common


def pull_everything(client: Path, location_type: str, location_args: dict) -> tuple[float, float]:
    """(seconds to pull metadata, seconds to pull every packet) into a new root at `client`."""
    from pyorderly.outpack.index import Index
    from pyorderly.outpack.init import outpack_init
    from pyorderly.outpack.location import outpack_location_add
    from pyorderly.outpack.location_pull import (
        outpack_location_pull_metadata,
        outpack_location_pull_packet,
    )

    outpack_init(client)  # pyorderly's defaults: an archive directory, no file store
    outpack_location_add("source", location_type, location_args, root=client)
    began = time.perf_counter()
    outpack_location_pull_metadata("source", root=client)
    metadata = time.perf_counter() - began
    ids = sorted(Index(client).rebuild().location("source"))
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # a line per packet
        outpack_location_pull_packet(ids, root=client)
    packets = time.perf_counter() - began
    unpacked = Index(client).rebuild().unpacked()
    if len(unpacked) != len(ids):
        raise SystemExit(f"pulled {len(unpacked)} of {len(ids)} packets over {location_type}")
    return metadata, packets


def row(source: str, count: int, metadata: float, packets: float, base=None) -> list:
    total = metadata + packets
    return [
        source,
        count,
        f"{metadata:.1f}",
        f"{packets:.1f}",
        f"{total:.1f}",
        f"{count / total:.0f}",
        common.ratio(total, base) if base else "-",
    ]


def main() -> None:
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=1000, help="packets to pull (1000)")
    args = common.parse_arguments(parser)
    common.print_header(f"pull: pyorderly pulls {args.packets} small packets")
    rows = []
    with common.work_directory(args.keep, "pull-") as work:
        source = work / "source"
        common.write_packets(source, args.packets, contents=args.packets)
        metadata, packets = pull_everything(work / "from-path", "path", {"path": str(source)})
        base = metadata + packets
        rows.append(row("path location (local disk)", args.packets, metadata, packets))
        for database in args.databases:
            directory = work / database
            directory.mkdir()
            common.copy_tree(source, directory / "store")
            with common.reprostore_server(database, directory, args.workers) as server:
                server.command("reindex")
                # Signed in as pyorderly users are: HTTP Basic from the location URL.
                credentials = f"{common.USER}:{quote(common.PASSWORD, safe='')}@"
                url = server.url.replace("http://", "http://" + credentials, 1) + "/outpack/"
                metadata, packets = pull_everything(work / f"from-{database}", "http", {"url": url})
                name = "http " + common.server_label(database, args.workers)
                rows.append(row(name, args.packets, metadata, packets, base))
    print()
    common.print_load()
    common.print_table(
        [
            "pulled from",
            "packets",
            "metadata s",
            "packets s",
            "total s",
            "packets/s",
            "time vs path",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
