"""Packet lineage for pages and exports: the dependency edges around some packets, to a depth.

The query language's `usedby(...)` and `uses(...)` (packets/search.py) walk the same edges with
the same recursive SQL (query/lineage.py); this gives the edges themselves, for drawing a graph.
"""

from django.db import connections

from reprostore.packets.models import Packet, PacketDependency
from reprostore.query.lineage import Edges, compiled, values_sql, walk_edges

_dependency = PacketDependency._meta
DEPENDENCY_EDGES = Edges(
    f"SELECT {_dependency.get_field('packet').column} AS user_key,"
    f" {_dependency.get_field('depends_on').column} AS used_key FROM {_dependency.db_table}"
)


def lineage_edges(
    start_ids: list[str], *, up: int | None, down: int | None, limit: int = 200, scope=None
) -> tuple[list[tuple[str, str]], bool]:
    """The dependency edges around the packets `start_ids`, as (user_id, used_id) pairs, and
    whether the list was cut at `limit` edges.

    - `up`: how many levels of "uses" to follow: 1 gives the edges from each start packet to the
      packets it depends on, 2 also those packets' own dependencies, and so on.
    - `down`: how many levels of "used by" to follow: 1 gives the edges from the packets that
      depend on a start packet to it, 2 also the packets depending on those, and so on.
    - 0 follows nothing in that direction; None follows it to the end (cycles are safe).
    - `scope`: a Packet queryset (for instance `Packet.objects.readable(access)`); only edges
      whose *user* is in it are followed, so a packet outside it is never walked through.
      None: every indexed packet.

    Every user_id is an indexed packet (in `scope`); a used_id may be a packet outside `scope`
    or no indexed packet at all (metadata names a dependency the index lacks), so check before
    linking to it. An edge found in both directions is listed once. Edges come nearest first
    (fewest steps from a start packet), then by ids; with more than `limit` edges the farthest
    are left out and the flag is True.
    """
    universe = Packet.objects.all() if scope is None else scope
    connection = connections[universe.db]
    restricted = None if not universe.query.where else compiled(universe, connection)
    return walk_edges(
        connection,
        DEPENDENCY_EDGES,
        values_sql(connection, start_ids),
        restricted,
        up=up,
        down=down,
        limit=limit,
    )
