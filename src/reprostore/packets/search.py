"""Queries over the packet index: the outpack language exactly as outpack_server evaluates it,
with orderly's extension (`usedby`, `uses`, subqueries; dialect "orderly") on top.

The universe is every packet whose metadata is indexed, whatever its locations (spec §5.1):
outpack_server does not narrow a search to unpacked packets, pyorderly does.
"""

from reprostore.packets.errors import RootError
from reprostore.packets.index import sync_index
from reprostore.packets.lineage import DEPENDENCY_EDGES
from reprostore.packets.models import Packet, PacketParameter
from reprostore.query.evaluate import Table, parse_search, parse_subqueries, select

# The outpack language and orderly's extension; "outpack" is the reference's language alone.
DIALECT = "orderly"


def newest_id_first(connection):
    # Stored ids are `YYYYMMDD-HHMMSS-` and lower-case hex, which every collation orders as
    # "C" does, so the primary key's own index serves `latest`.
    return ["-pk"]


PACKETS = Table(
    noun="packet",
    id_column="id",
    name_column="name",
    parameters=(PacketParameter, "packet"),
    latest_order=newest_id_first,
    lineage=DEPENDENCY_EDGES,
)


def select_packets(packets, text, *, this=None, subqueries=None, dialect=DIALECT):
    """The packets of the queryset `packets` that the query `text` selects.

    `packets` is the universe: `!x` means "in `packets` but not in x" and `latest()` is its
    greatest id; `usedby(x)` and `uses(x)` follow only the dependencies of packets in it.
    `subqueries` are orderly's named subqueries, {name: query text}, for `{name}`.
    Raises ValueError (a ParseError or EvaluationError) with the reference's message.
    """
    node = parse_search(text, dialect)
    named = parse_subqueries(subqueries, dialect)
    return select(packets, PACKETS, node, this=this, subqueries=named)


def search(text, *, this=None, subqueries=None, dialect=DIALECT):
    """The ids of the indexed packets that the query `text` selects, sorted.

    `this` holds the values `this:x` reads (pyorderly passes the running packet's parameters);
    without it, `this:` fails as in outpack_server. Sync the index first (`index.sync_index`).
    """
    packets = select_packets(
        Packet.objects.all(), text, this=this, subqueries=subqueries, dialect=dialect
    )
    return sorted(packets.values_list("id", flat=True))


def search_root(root, text, *, this=None, subqueries=None, dialect=DIALECT):
    """Bring the index up to date with `root` (a packets.root.Root), then `search` it.

    A metadata file that can't be indexed would silently change the answer (`latest` most of
    all), so it stops the search with RootError, as the reference fails to build its index.
    Broken location entries don't matter: the universe ignores locations.
    """
    problems = sync_index(root, force=True)
    metadata_dir = str(root.metadata_dir)
    unreadable = [message for path, message in problems if path.startswith(metadata_dir)]
    if unreadable:
        raise RootError(
            f"Could not build outpack index from root at '{root.path}': {unreadable[0]}"
        )
    return search(text, this=this, subqueries=subqueries, dialect=dialect)
