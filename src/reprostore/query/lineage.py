"""Lineage in SQL: who used what, followed to a depth by a recursive query (WITH RECURSIVE).

A table that has lineage describes it as `Edges`: a SELECT of (user, used) pairs of its row keys,
"user read something that used produced". Two directions are followed from a start set:

- UP, what the start used, then what that used, ...: orderly's `usedby(start)`;
- DOWN, what used the start, then what used those, ...: orderly's `uses(start)`.

`levels` is how many steps to take (None: as many as there are). Only edges whose *user* is in the
scope are followed, the rule orderly applies by building its dependency lists from the packets it
searches: a packet outside the scope neither leads anywhere nor is reached through (DOWN).
The SQL is the same on SQLite and PostgreSQL but for one LATERAL (`next_step`).

How far is a key? A recursive query without a depth column keeps each key once (UNION), so it
ends on a cycle and costs one row per key, but it can't stop at a depth. With a depth column it
can, but it keeps a row per key and *length of path* to it: on a graph with many paths (a packet
using the two before it, over and over) that is a row per key per level. So a walk of up to
FEW_LEVELS steps is one query with a depth column, an unlimited one is one query without, and a
longer limited walk goes FEW_LEVELS steps per query from the keys found last (`distances`).
"""

import json
from dataclasses import dataclass

UP, DOWN = "up", "down"

# The most steps one query with a depth column takes (see above).
FEW_LEVELS = 32


@dataclass(frozen=True)
class Edges:
    """Where a table keeps its lineage: `sql` selects `user_key` and `used_key`, the keys (primary
    keys) of a row that used something and of the row that produced it. It takes no parameters;
    a used key may name no row at all (a dependency on a packet the index doesn't have)."""

    sql: str


def ends(direction):
    """(column walked from, column walked to) for a direction."""
    if direction == UP:
        return "user_key", "used_key"
    if direction == DOWN:
        return "used_key", "user_key"
    raise ValueError(f"Unknown lineage direction {direction!r}; expected {UP!r} or {DOWN!r}")


def in_scope(scope):
    """(SQL condition on edge `e`, params): its user is in the scope, or no condition at all."""
    if scope is None:
        return "", []
    sql, params = scope
    return f" AND e.user_key IN ({sql})", list(params)


def leaving(connection, edges, walk_from, keys):
    """FROM ... WHERE ...: the edges `e` whose `walk_from` end is one of `keys`, where `keys` is
    "reached r" (the recursive query's keys so far, column `node`) or (sql, params) of keys.
    Returns (text, params); more conditions are added with AND.

    PostgreSQL plans a recursive step once, before it knows how few keys each step has: without
    fresh statistics (a store just indexed) it hashed the whole edge table at every step, which
    made a walk down a chain of 20,000 packets take minutes. A LATERAL subquery per key (kept
    one by OFFSET 0, which the planner does not flatten into a join) looks each key's edges up in
    their index, whatever the statistics say. SQLite looks them up by itself.
    """
    if keys == "reached r":
        source, column, params = keys, "r.node", []
    else:
        sql, params = keys
        source, column = f"({sql}) s(node)", "s.node"
    if connection.vendor == "postgresql":
        lateral = (
            f"SELECT x.user_key, x.used_key FROM ({edges.sql}) x"
            f" WHERE x.{walk_from} = {column} OFFSET 0"
        )
        return f"FROM {source} CROSS JOIN LATERAL ({lateral}) e WHERE 1 = 1", list(params)
    if keys == "reached r":
        return f"FROM reached r JOIN ({edges.sql}) e ON e.{walk_from} = r.node WHERE 1 = 1", []
    return f"FROM ({edges.sql}) e WHERE e.{walk_from} IN ({sql})", list(params)


def reached_sql(connection, edges, direction, seed, scope, levels, *, with_steps=False):
    """(sql, params) selecting `node`: every key 1 to `levels` steps from a key of `seed`, and
    with `with_steps` (only with `levels`) the fewest steps to it, `steps`.

    `seed` and `scope` are (sql, params) selecting one column of keys; `scope` may be None (every
    edge is followed). A start key is in the answer only if a cycle leads back to it.
    """
    walk_from, walk_to = ends(direction)
    scope_sql, scope_params = in_scope(scope)
    first, first_params = leaving(connection, edges, walk_from, seed)
    step, _ = leaving(connection, edges, walk_from, "reached r")
    if levels is None:
        # Without a depth column UNION keeps each key once, so a cycle ends the recursion.
        sql = (
            f"WITH RECURSIVE reached(node) AS (SELECT e.{walk_to} {first}{scope_sql}"
            f" UNION SELECT e.{walk_to} {step}{scope_sql}"
            ") SELECT node FROM reached"
        )
        return sql, [*first_params, *scope_params, *scope_params]
    answer = "node, MIN(steps) FROM reached GROUP BY node" if with_steps else "node FROM reached"
    sql = (
        f"WITH RECURSIVE reached(node, steps) AS (SELECT e.{walk_to}, 1 {first}{scope_sql}"
        f" UNION SELECT e.{walk_to}, r.steps + 1 {step} AND r.steps < %s{scope_sql}"
        f") SELECT {answer}"
    )
    return sql, [*first_params, *scope_params, levels, *scope_params]


def edges_sql(connection, edges, direction, seed, scope, levels, limit):
    """(sql, params) selecting (user_key, used_key, steps) of the edges walked from `seed`.

    An edge is walked if its `walk_from` end is a start key (steps 0) or a key reached in fewer
    than `levels` steps (at least 1), nearest first, at most `limit` rows. The start keys are
    taken from the edge table rather than the seed, so that both parts of the recursive query
    have the key's type (PostgreSQL insists).
    """
    walk_from, walk_to = ends(direction)
    scope_sql, scope_params = in_scope(scope)
    first, first_params = leaving(connection, edges, walk_from, seed)
    step, _ = leaving(connection, edges, walk_from, "reached r")
    sql = (
        f"WITH RECURSIVE reached(node, steps) AS (SELECT e.{walk_from}, 0 {first}"
        f" UNION SELECT e.{walk_to}, r.steps + 1 {step} AND r.steps + 1 < %s{scope_sql}"
        f") SELECT e.user_key, e.used_key, MIN(r.steps) {step}{scope_sql}"
        " GROUP BY e.user_key, e.used_key ORDER BY 3, 1, 2 LIMIT %s"
    )
    return sql, [*first_params, levels, *scope_params, *scope_params, limit]


def values_sql(connection, values):
    """(sql, params) selecting `values` (all strings or all integers) as one column: one
    parameter for all of them, however many."""
    values = list(values)
    if connection.vendor == "postgresql":
        kind = "bigint" if values and all(isinstance(v, int) for v in values) else "text"
        return f"SELECT unnest(%s::{kind}[])", [values]
    return "SELECT value FROM json_each(%s)", [json.dumps(values)]


def distances(connection, edges, direction, seed, scope, levels, *, enough=None):
    """({key: fewest steps from a `seed` key, 1 or more}, the steps up to which it is complete)
    for the keys up to `levels` steps away (None: every one), FEW_LEVELS steps per query.

    Each query starts from the keys first found at its predecessor's last step: every shortest
    path to a farther key passes through one of them. With `enough`, stops once more keys than
    that are known (after a whole query), so the answer is complete only that far.
    """
    found, frontier, done = {}, seed, 0
    while levels is None or done < levels:
        step = FEW_LEVELS if levels is None else min(FEW_LEVELS, levels - done)
        rows = fetch(
            connection,
            reached_sql(connection, edges, direction, frontier, scope, step, with_steps=True),
        )
        last = [node for node, steps in rows if steps == step and node not in found]
        for node, steps in rows:
            found.setdefault(node, done + steps)
        done += step
        if not last or (enough is not None and len(found) > enough):
            return found, done if last else None
        frontier = values_sql(connection, last)
    return found, done


def walk_edges(connection, edges, seed, scope, *, up, down, limit):
    """(edges as (user_key, used_key) pairs, truncated): the edges walked from `seed` within `up`
    steps UP and `down` steps DOWN (None: unlimited), nearest first, at most `limit` of them.
    """
    if limit < 0:
        raise ValueError(f"A limit must be 0 or more, not {limit}")
    found = {}
    for direction, levels in ((UP, up), (DOWN, down)):
        if levels is not None and levels < 0:
            raise ValueError(f"A lineage depth must be 0 or more, not {levels}")
        if levels == 0:
            continue
        if levels is not None and levels <= FEW_LEVELS:
            rows = fetch(
                connection, edges_sql(connection, edges, direction, seed, scope, levels, limit + 1)
            )
        else:
            rows = far_edges(connection, edges, direction, seed, scope, levels, limit)
        for user, used, steps in rows:
            pair = (user, used)
            found[pair] = min(steps, found.get(pair, steps))
    nearest = sorted(found, key=lambda pair: (found[pair], pair))
    return nearest[:limit], len(nearest) > limit


def far_edges(connection, edges, direction, seed, scope, levels, limit):
    """(user_key, used_key, steps) of the edges walked from the start and from each key found
    fewer than `levels` steps away (None: any), found by `distances`.

    Every key found has an edge to it from a key one step nearer, so once more than `limit` keys
    are known up to some distance, the nearest `limit + 1` edges start nearer than that: the
    walk stops there.
    """
    reach = None if levels is None else levels - 1
    away, complete = distances(connection, edges, direction, seed, scope, reach, enough=limit)
    cut_short = complete is not None and (reach is None or complete < reach)
    steps = {key: 0 for (key,) in fetch(connection, seed)}
    for key, distance in away.items():
        if key not in steps and not (cut_short and distance >= complete):
            steps[key] = distance
    if not steps:
        return []
    walk_from, _ = ends(direction)
    scope_sql, scope_params = in_scope(scope)
    known, known_params = leaving(connection, edges, walk_from, values_sql(connection, steps))
    sql = f"SELECT DISTINCT e.user_key, e.used_key {known}{scope_sql}"
    rows = fetch(connection, (sql, [*known_params, *scope_params]))
    start_end = 0 if direction == UP else 1
    return [(user, used, steps[(user, used)[start_end]]) for user, used in rows]


def fetch(connection, query):
    sql, params = query
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def compiled(queryset, connection):
    """(sql, params) of a queryset's primary keys, for use inside raw SQL."""
    query = queryset.values("pk").query
    return query.get_compiler(connection=connection).as_sql()
