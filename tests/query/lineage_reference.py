"""orderly's lineage semantics in plain Python, to check the recursive SQL against, and the
printer and strategies the lineage tests share.

Written from orderly's R code (R/query_search.R, R/query_index.R), not from ours:

- the dependency lists are built from the packets searched only (`new_query_index` narrows the
  metadata first), so a packet outside the universe leads nowhere, and `uses` lists are the same
  lists turned round (`build_packet_uses`);
- `get_dependencies(id, depth)` is "nothing if depth <= 0, else the direct links of id and,
  for each of them, get_dependencies(link, depth - 1)": the start itself is in the answer only
  when a cycle leads back to it, and a depth of 1.5 takes two steps;
- the answer is intersected with the universe (`intersect(deps, self$index$id)`);
- the start is a literal id as it is, or the ids its query selects;
- a subquery is evaluated without `this:` values; a named one may use those given before it.

orderly's recursion never ends on a cycle with `depth = Inf`; ours stops, with every id the
cycle reaches. So that the recursion here ends as well, a depth beyond the number of ids is cut
to that number, past which no walk reaches anything new (a shortest walk never repeats an id).
"""

import copy
import functools
import math

from hypothesis import strategies as st

from reprostore.query import ast as q
from tests.query.generate import literal_text, to_text
from tests.query.reference import Failure, Reference


class OrderlyReference(Reference):
    def __init__(self, rows, depends, *, this=None, subqueries=None, noun="packet"):
        super().__init__(rows, this=this, noun=noun)
        ids = {row.id for row in self.rows}
        self.up = {user: list(used) for user, used in depends.items() if user in ids}
        self.down = {}
        for user, used in self.up.items():
            for target in used:
                self.down.setdefault(target, [])
                if user not in self.down[target]:
                    self.down[target].append(user)
        self.subqueries = subqueries or {}
        every_id = ids | {t for used in self.up.values() for t in used}
        self.longest = len(every_id) + 1

    def evaluate(self, node):
        if isinstance(node, q.UsedBy | q.Uses):
            if isinstance(node.inner, q.Literal):
                start = [node.inner.value]
            else:
                start = [row.id for row in self.evaluate(node.inner)]
            links = self.up if isinstance(node, q.UsedBy) else self.down
            found = set()
            for start_id in start:
                found |= dependencies(links, start_id, min(node.depth, self.longest))
            return [row for row in self.rows if row.id in found]
        if isinstance(node, q.Subquery):
            inner = copy.copy(self)
            inner.this = None
            return inner.evaluate(node.inner)
        if isinstance(node, q.NamedSubquery):
            return self.named(node.name)
        return super().evaluate(node)

    def named(self, name):
        if name not in self.subqueries:
            if self.subqueries:
                names = ", ".join(f"'{n}'" for n in sorted(self.subqueries))
                raise Failure(
                    f"Cannot locate subquery named '{name}'. Available subqueries are {names}."
                )
            raise Failure(f"Cannot locate subquery named '{name}'. No named subqueries provided.")
        names = list(self.subqueries)
        inner = copy.copy(self)
        inner.this = None
        inner.subqueries = {n: self.subqueries[n] for n in names[: names.index(name)]}
        return inner.evaluate(self.subqueries[name])


def dependencies(links, start_id, depth):
    """orderly's `get_dependencies`, remembered per (id, depth) so that it stays fast."""
    frozen = {key: tuple(value) for key, value in links.items()}

    @functools.cache
    def get(node, depth):
        if depth <= 0:
            return frozenset()
        direct = frozen.get(node, ())
        found = set(direct)
        for link in direct:
            found |= get(link, depth - 1)
        return frozenset(found)

    return set(get(start_id, depth))


# ---- text -----------------------------------------------------------------------------------


def orderly_text(node):
    """Query text for a tree with the extension's nodes (generate.to_text for the rest)."""
    if isinstance(node, q.UsedBy | q.Uses):
        name = "usedby" if isinstance(node, q.UsedBy) else "uses"
        start = node.inner
        start_text = (
            literal_text(start.value) if isinstance(start, q.Literal) else orderly_text(start)
        )
        depth = "" if math.isinf(node.depth) else f", {node.depth!r}"
        return f"{name}({start_text}{depth})"
    if isinstance(node, q.Subquery):
        return "{" + orderly_text(node.inner) + "}"
    if isinstance(node, q.NamedSubquery):
        return "{" + node.name + "}"
    if isinstance(node, q.Test):
        return to_text(node)
    if isinstance(node, q.Latest) and node.inner is None:
        return "latest()"
    wrap = {q.Negation: "!({})", q.Brackets: "({})", q.Latest: "latest({})", q.Single: "single({})"}
    if type(node) in wrap:
        return wrap[type(node)].format(orderly_text(node.inner))
    if isinstance(node, q.BooleanExpr):
        operator = "&&" if node.operator is q.BooleanOperator.And else "||"
        return f"({orderly_text(node.lhs)}) {operator} ({orderly_text(node.rhs)})"
    raise TypeError(node)


# ---- strategies -------------------------------------------------------------------------------

DEPTHS = st.sampled_from([1.0, 2.0, 3.0, 0.5, 1.5, 40.0, 1e9, math.inf])


def equal(lookup, values):
    return st.builds(
        lambda value: q.Test(q.TestOperator.Equal, lookup, q.Literal(value)),
        st.sampled_from(values),
    )


ID, NAME = q.LookupId(), q.LookupName()


def lineage_queries(ids, names, id_lookup=ID, name_lookup=NAME):
    """Queries of usedby/uses over ids and names, nested and combined as orderly allows."""
    id_tests = equal(id_lookup, ids)
    name_tests = equal(name_lookup, names)
    tests = id_tests | name_tests

    def starts(inner):
        return st.one_of(
            st.builds(q.Literal, st.sampled_from(ids)),
            st.builds(q.Latest, st.none() | name_tests | inner),
            st.builds(q.Single, id_tests | inner),
            id_tests,
            st.builds(q.Subquery, st.builds(q.Latest, name_tests | inner)),
        )

    def lineage(inner):
        return st.builds(q.UsedBy, starts(inner), DEPTHS) | st.builds(q.Uses, starts(inner), DEPTHS)

    return st.recursive(
        lineage(tests),
        lambda inner: st.one_of(
            lineage(inner),
            st.builds(q.Negation, inner),
            st.builds(
                q.BooleanExpr, st.sampled_from(list(q.BooleanOperator)), inner, inner | tests
            ),
            st.builds(q.Latest, inner),
            st.builds(q.Subquery, inner),
        ),
        max_leaves=4,
    )
