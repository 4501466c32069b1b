"""`usedby(...)`, `uses(...)` and subqueries over packets: the recursive SQL against orderly's
semantics (tests/query/lineage_reference.py), `packets.lineage.lineage_edges`, the
`/outpack/query` route and `reprostore query`."""

import json
import math
import shutil
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reprostore.packets.lineage import lineage_edges
from reprostore.packets.models import Packet, PacketDependency
from reprostore.packets.search import search, select_packets
from reprostore.query import ast as q
from reprostore.query import lineage, parse
from tests.conftest import basic_auth
from tests.packets.conftest import failure, success
from tests.query.conftest import FIXTURES, index_root
from tests.query.lineage_reference import OrderlyReference, lineage_queries, orderly_text
from tests.query.reference import Row, outcome
from tests.support.packet_access import grant_packets
from tests.support.server import reprostore


def packet_id(n):
    return f"20240101-{n:06d}-{n:08x}"


MISSING = "20300101-000000-000000ff"  # depended on, never indexed


def metadata(pid, name, depends, parameters=None):
    return json.dumps(
        {
            "schema_version": "0.1.1",
            "id": pid,
            "name": name,
            "parameters": parameters,
            "time": {"start": 1700000000.0, "end": 1700000001.0},
            "files": [],
            "depends": [{"packet": d, "query": "latest", "files": []} for d in depends],
            "git": None,
            "custom": None,
        }
    ).encode()


def index_graph(packets):
    """Replace the index by `packets`: (id, name, [ids it depends on]) each, as the index keeps
    them (the route's tests below index metadata files)."""
    Packet.objects.all().delete()
    for pid, name, depends in packets:
        packet = Packet.objects.create(id=pid, name=name, hash="sha256:0", time_start=0, time_end=1)
        PacketDependency.objects.bulk_create(
            PacketDependency(packet=packet, depends_on=used, query="latest", position=n)
            for n, used in enumerate(depends)
        )


# A, B, C, D, E, with E -> D -> C -> B -> A ("uses"), E -> B, and D -> MISSING.
A, B, C, D, E = (packet_id(n) for n in range(1, 6))
GRAPH = [
    (A, "a", []),
    (B, "b", [A]),
    (C, "c", [B]),
    (D, "d", [C, MISSING]),
    (E, "e", [D, B]),
]


@pytest.fixture
def graph(db):
    index_graph(GRAPH)


def ids(query, universe=None, **options):
    packets = Packet.objects.all() if universe is None else universe
    return sorted(select_packets(packets, query, **options).values_list("id", flat=True))


@pytest.mark.parametrize(
    "query, expected",
    [
        # Depth defaults to Inf: everything upstream; the start is not part of the answer.
        (f'usedby("{E}")', [A, B, C, D]),
        (f'usedby("{E}", 1)', [B, D]),
        (f'usedby("{E}", depth = 2)', [A, B, C, D]),
        (f'usedby("{D}", 1)', [C]),  # MISSING is no packet, so it is not in the answer
        # A fractional depth takes a step more, as orderly's `depth - 1 > 0` recursion does.
        (f'usedby("{D}", 1.5)', [B, C]),
        (f'usedby("{D}", 0.5)', [C]),
        (f'usedby("{D}", 1e9)', [A, B, C]),
        (f'usedby("{A}")', []),
        (f'uses("{A}")', [B, C, D, E]),
        (f'uses("{A}", 1)', [B]),
        (f'uses("{B}", 1)', [C, E]),
        (f'uses("{MISSING}")', [D, E]),  # a dependency the index lacks can be followed down
        ('uses("20990101-000000-00000000")', []),
        # The start as a query: latest, single, an id test, a subquery of one.
        ("usedby(latest())", [A, B, C, D]),
        ('usedby(latest(name == "c"))', [A, B]),
        ('usedby(single(name == "c"), 1)', [B]),
        (f'uses(id == "{C}")', [D, E]),
        ('uses({latest(name == "b")}, 1)', [C, E]),
        # latest over a lineage: the newest packet of the answer.
        ('latest(usedby(latest(name == "e")))', [D]),
        ('latest(uses(latest(name == "a"), 1))', [B]),
        # Combined with the rest of the language.
        ('usedby(latest()) && name != "a"', [B, C, D]),
        ("!usedby(latest())", [E]),
        ('uses(latest(name == "c")) || name == "a"', [A, D, E]),
        ('usedby(single(uses(latest(name == "c"), 1)), 1)', [C]),
        ('usedby(latest(name == "nope"))', []),
        ("{name == 'a' || name == 'b'}", [A, B]),
    ],
)
def test_lineage_follows_orderly(graph, query, expected):
    assert ids(query) == expected


def test_it_is_one_recursive_query_in_the_database(graph):
    with CaptureQueriesContext(connection) as queries:
        assert ids(f'usedby("{E}", 2) && name != "b"') == [A, C, D]
    assert len(queries) == 1
    assert "WITH RECURSIVE" in queries[0]["sql"]


def test_the_universe_limits_what_is_followed(graph):
    # orderly builds its dependency lists from the packets it searches: one left out (here C)
    # leads nowhere, and is no way through.
    without_c = Packet.objects.exclude(name="c")
    assert ids(f'usedby("{E}")', without_c) == [A, B, D]
    assert ids(f'usedby("{D}")', without_c) == []
    assert ids(f'uses("{A}")', without_c) == [B, E]
    assert ids(f'uses("{B}", 1)', without_c) == [E]
    assert ids("usedby(latest())", without_c) == [A, B, D]


def test_a_failed_start_fails_the_query(graph):
    with pytest.raises(ValueError, match="Query found 0 packets, but expected exactly one"):
        ids('usedby(single(name == "nope"))')


@pytest.mark.parametrize(
    "query, subqueries, expected",
    [
        ("usedby({C})", {"C": 'latest(name == "c")'}, [A, B]),
        ('{C} || name == "a"', {"C": 'name == "c" || name == "d"'}, [A, C, D]),
        # A subquery may use the ones given before it.
        ("uses({Y}, 1)", {"X": 'name == "a"', "Y": "single({X})"}, [B]),
    ],
)
def test_named_subqueries(graph, query, subqueries, expected):
    assert ids(query, subqueries=subqueries) == expected


@pytest.mark.parametrize(
    "query, subqueries, message",
    [
        ("{C}", None, "Cannot locate subquery named 'C'. No named subqueries provided."),
        (
            "{C}",
            {"B": "latest", "A": "latest"},
            "Cannot locate subquery named 'C'. Available subqueries are 'A', 'B'.",
        ),
        (
            "{X}",
            {"X": "{Y}", "Y": "latest"},
            "Cannot locate subquery named 'Y'. No named subqueries provided.",
        ),
        ("{X}", {"X": "{X}"}, "Cannot locate subquery named 'X'. No named subqueries provided."),
        (
            "usedby({C})",
            {"C": 'name == "c"'},
            "usedby must be called on an expression guaranteed to return a single ID.",
        ),
        ("{C}", {"C": "latest("}, "In subquery 'C':\n --> 1:8"),
        # orderly evaluates subqueries without the query's `this:` values.
        ("{this:a == 1}", None, "this parameters are not supported in this context"),
        ("{C}", {"C": "this:a == 1"}, "this parameters are not supported in this context"),
    ],
)
def test_subquery_mistakes_are_explained(graph, query, subqueries, message):
    with pytest.raises(ValueError) as error:
        ids(query, subqueries=subqueries, this={"a": 1})
    assert message in str(error.value)


def test_this_still_works_outside_subqueries(graph):
    assert ids("usedby(latest(name == this:n), 1)", this={"n": "d"}) == [C]


def test_the_strict_dialect_refuses_the_extension(graph):
    with pytest.raises(ValueError, match="expected query"):
        ids("usedby(latest())", dialect="outpack")
    assert ids("latest", dialect="outpack") == [E]


CYCLE = [
    (A, "a", [C]),  # A uses C uses B uses A: ids that could never depend on each other this way
    (B, "b", [A]),
    (C, "c", [B, C]),  # and C uses itself
    (D, "d", [A]),
]


@pytest.mark.parametrize(
    "query, expected",
    [
        (f'usedby("{A}")', [A, B, C]),
        (f'usedby("{A}", 1)', [C]),
        (f'usedby("{A}", 2)', [B, C]),
        (f'usedby("{A}", 3)', [A, B, C]),
        (f'usedby("{B}", 1e300)', [A, B, C]),
        (f'usedby("{B}", 100)', [A, B, C]),
        (f'uses("{A}")', [A, B, C, D]),
        (f'uses("{D}")', []),
        (f'usedby("{D}", 40)', [A, B, C]),
    ],
)
def test_cycles_end(db, query, expected):
    index_graph(CYCLE)
    assert ids(query) == expected


# ---- generated graphs against orderly's semantics -------------------------------------------

NAMES = ["a", "b", "c"]
POOL = [packet_id(n) for n in range(1, 8)]  # more ids than some graphs have packets
OUTSIDERS = [MISSING, "20300101-000000-000000ee"]
EVERY_ID = POOL + OUTSIDERS


@st.composite
def graphs(draw):
    """Packets with any dependencies: on later ids (cycles no real packets could form), on
    themselves, on ids that are no packet, several times on one id."""
    count = draw(st.integers(1, 7))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=count, max_size=count))
    targets = POOL[:count] + OUTSIDERS
    depends = draw(
        st.lists(st.lists(st.sampled_from(targets), max_size=3), min_size=count, max_size=count)
    )
    return [(POOL[n], names[n], depends[n]) for n in range(count)]


GENERATED = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def check_against_orderly(packets, query, readable):
    index_graph(packets)
    universe = (
        Packet.objects.all() if readable is None else Packet.objects.filter(name__in=readable)
    )
    rows = [
        Row(pid, name, None) for pid, name, _ in packets if readable is None or name in readable
    ]
    text = orderly_text(query)
    reference = OrderlyReference(rows, {pid: depends for pid, _, depends in packets})
    expected = outcome(reference.ids, parse(text, "orderly"))
    assert outcome(ids, text, universe) == expected, text


@GENERATED
@given(
    packets=graphs(),
    query=lineage_queries(EVERY_ID, NAMES),
    readable=st.none() | st.sets(st.sampled_from(NAMES), min_size=1),
)
def test_sql_evaluation_equals_orderly_semantics(db, packets, query, readable):
    check_against_orderly(packets, query, readable)


@GENERATED
@given(
    packets=graphs(),
    query=lineage_queries(EVERY_ID, NAMES),
    readable=st.none() | st.sets(st.sampled_from(NAMES), min_size=1),
)
def test_long_walks_found_a_few_steps_per_query_equal_orderly_semantics(
    db, monkeypatch, packets, query, readable
):
    # Depths past FEW_LEVELS are walked that many steps per query; with 1 the generated depths
    # (up to 40 and 1e9) go through every seam of it.
    monkeypatch.setattr(lineage, "FEW_LEVELS", 1)
    check_against_orderly(packets, query, readable)


# ---- lineage_edges ----------------------------------------------------------------------------


def test_edges_around_a_packet(graph):
    assert lineage_edges([C], up=1, down=1) == ([(C, B), (D, C)], False)
    assert lineage_edges([C], up=0, down=0) == ([], False)
    edges, truncated = lineage_edges([C], up=None, down=None)
    assert (set(edges), truncated) == ({(C, B), (B, A), (D, C), (E, D)}, False)
    # E -> B is walked upwards from E only: it is not on a path from C.
    assert set(lineage_edges([E], up=1, down=0)[0]) == {(E, D), (E, B)}
    # D's dependency on a packet the index lacks is an edge all the same.
    assert (D, MISSING) in lineage_edges([E], up=2, down=0)[0]


def test_edges_come_nearest_first_and_are_cut_at_the_limit(graph):
    edges, truncated = lineage_edges([E], up=None, down=0, limit=3)
    assert truncated
    assert edges[:2] == [(E, B), (E, D)]  # one step from E
    assert edges[2] in {(B, A), (D, C), (D, MISSING)}  # two steps
    assert lineage_edges([E], up=None, down=0, limit=6) == (
        [(E, B), (E, D), (B, A), (D, C), (D, MISSING), (C, B)],
        False,
    )


def test_edges_follow_only_users_in_scope(graph):
    scope = Packet.objects.exclude(name="c")
    # D's dependency on C is an edge (its user is in scope), but C's own are not followed.
    assert set(lineage_edges([E], up=None, down=0, scope=scope)[0]) == {
        (E, D),
        (E, B),
        (D, C),
        (D, MISSING),
        (B, A),
    }
    assert set(lineage_edges([A], up=0, down=None, scope=scope)[0]) == {(B, A), (E, B)}


def test_edges_on_a_cycle_end(db):
    index_graph(CYCLE)
    edges, truncated = lineage_edges([D], up=10**9, down=10**9)
    assert set(edges) == {(D, A), (A, C), (C, B), (C, C), (B, A)} and not truncated


def test_edges_refuse_negative_arguments(graph):
    with pytest.raises(ValueError, match="depth must be 0 or more"):
        lineage_edges([A], up=-1, down=0)
    with pytest.raises(ValueError, match="limit must be 0 or more"):
        lineage_edges([A], up=1, down=0, limit=-1)


def expected_edges(packets, start, up, down):
    """(user, used) -> fewest steps from a start packet, by breadth-first search in Python."""
    links = {pid: set(depends) for pid, _, depends in packets}
    found = {}
    for direction, levels in (("up", up), ("down", down)):
        distance = dict.fromkeys(start, 0)
        frontier = list(start)
        while frontier:
            following = []
            for node in frontier:
                if levels is not None and distance[node] >= levels:
                    continue
                if direction == "up":
                    pairs = [(node, used) for used in links.get(node, ())]
                else:
                    pairs = [(user, node) for user, used in links.items() if node in used]
                for pair in pairs:
                    found[pair] = min(found.get(pair, math.inf), distance[node])
                    other = pair[1] if direction == "up" else pair[0]
                    if other not in distance:
                        distance[other] = distance[node] + 1
                        following.append(other)
            frontier = following
    return found


EDGE_WALKS = {
    "packets": graphs(),
    "start": st.lists(st.sampled_from(EVERY_ID), min_size=1, max_size=2),
    "up": st.none() | st.integers(0, 4),
    "down": st.none() | st.integers(0, 4),
    "limit": st.integers(0, 12),
}


def check_edges(packets, start, up, down, limit):
    index_graph(packets)
    expected = expected_edges(packets, start, up, down)
    nearest = sorted(expected, key=lambda pair: (expected[pair], pair))
    assert lineage_edges(start, up=up, down=down, limit=limit) == (
        nearest[:limit],
        len(nearest) > limit,
    )


@GENERATED
@given(**EDGE_WALKS)
def test_edges_equal_a_breadth_first_search(db, packets, start, up, down, limit):
    check_edges(packets, start, up, down, limit)


@GENERATED
@given(**EDGE_WALKS)
def test_long_edge_walks_equal_a_breadth_first_search(
    db, monkeypatch, packets, start, up, down, limit
):
    monkeypatch.setattr(lineage, "FEW_LEVELS", 1)
    check_edges(packets, start, up, down, limit)


# ---- the route and the command ----------------------------------------------------------------


@pytest.fixture
def served_graph(settings, tmp_path, db):
    """GRAPH as an outpack root the server serves."""
    root = shutil.copytree(FIXTURES / "example", tmp_path / "root")
    metadata_dir = root / ".outpack" / "metadata"
    for path in metadata_dir.iterdir():
        path.unlink()
    for pid, name, depends in GRAPH:
        (metadata_dir / pid).write_bytes(metadata(pid, name, depends))
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "read"
    return index_root(settings, root)


def ask(client, **params):
    return client.get(f"/outpack/query?{urlencode(params)}")


def test_the_route_answers_lineage_queries(client, served_graph):
    assert success(ask(client, q='usedby(latest(name == "d"))')) == [A, B, C]
    assert success(ask(client, q=f'uses("{B}", 1)')) == [C, E]
    assert success(ask(client, q="uses({X})", subquery='{"X": "single(name == \\"c\\")"}')) == [
        D,
        E,
    ]


@pytest.mark.parametrize(
    "params, detail",
    [
        ({"q": 'usedby(name == "d")'}, "usedby must be called on an expression guaranteed"),
        ({"q": "usedby(latest(), 0)"}, "`depth` argument in 'usedby()' must be a positive"),
        ({"q": "{X}"}, "Cannot locate subquery named 'X'. No named subqueries provided."),
        ({"q": "{X}", "subquery": "[1]"}, "Invalid subquery '[1]': expected a JSON object"),
        ({"q": "{X}", "subquery": '{"X": 1}'}, "Subquery 'X': a name and a query must both be"),
        ({"q": "{X}", "subquery": '{"X": "latest("}'}, "In subquery 'X':\n --> 1:8"),
    ],
)
def test_the_route_explains_lineage_mistakes(client, served_graph, params, detail):
    error = failure(ask(client, **params), 400)
    assert error["error"] == "invalid query"
    assert detail in error["detail"]


def test_the_route_follows_only_packets_the_caller_may_read(client, served_graph, settings, cast):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
    for name in ("e", "d", "b", "a"):
        grant_packets(cast.reader, "read", name)
    response = client.get(
        "/outpack/query", {"q": "usedby(latest())"}, **basic_auth(cast.reader.username)
    )
    # C is not readable: D's dependency on it is not followed, and B comes only through E.
    assert success(response) == [A, B, D]


@pytest.mark.nodb
def test_the_command_answers_lineage_queries(tmp_path):
    root = shutil.copytree(FIXTURES / "example", tmp_path / "example")
    # Every packet of the example depends on one the example lacks.
    run = reprostore(
        "query", "--root", str(root), 'uses("20170818-164043-7cdcde4b", 1)', root=root,
        database_url=None, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == sorted(p.name for p in (root / ".outpack/metadata").iterdir())
    run = reprostore(
        "query", "--root", str(root), "--subquery", "N=latest(name == 'modup-201707-params1')",
        "usedby({N})", root=root, database_url=None, check=False,
    )  # fmt: skip
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "Found no packets\n")


@pytest.mark.nodb
@pytest.mark.parametrize(
    "args, message",
    [
        (["--dialect", "outpack", "usedby(latest())"], "Failed to parse query\n --> 1:1"),
        (["--dialect", "outpack", "usedby(latest())"], "= expected query"),
        (["usedby(name == 'x')"], "usedby must be called on an expression guaranteed"),
        (["--subquery", "oops", "{oops}"], "Invalid --subquery 'oops': expected NAME=QUERY"),
        (["--subquery", "X=latest(", "{X}"], "In subquery 'X':"),
        (["{X}"], "Cannot locate subquery named 'X'. No named subqueries provided."),
    ],
)
def test_the_command_explains_lineage_mistakes(tmp_path, args, message):
    root = shutil.copytree(FIXTURES / "example", tmp_path / "example")
    run = reprostore("query", "--root", str(root), *args, root=root, database_url=None, check=False)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert message in run.stderr


@pytest.mark.nodb
def test_the_command_parses_the_extension(tmp_path):
    run = reprostore("query", "parse", "uses({C}, 2)", root=tmp_path, database_url=None)
    assert json.loads(run.stdout) == {
        "type": "Uses",
        "inner": {"type": "NamedSubquery", "name": "C"},
        "depth": 2.0,
    }
    run = reprostore(
        "query", "--dialect", "outpack", "parse", "uses({C}, 2)", root=tmp_path,
        database_url=None, check=False,
    )  # fmt: skip
    assert run.returncode == 1 and "expected query" in run.stderr


def test_search_without_a_universe_is_every_packet(graph):
    assert search(f'usedby("{E}", 1)') == [B, D]
    assert parse("usedby(latest())", "orderly") == q.UsedBy(q.Latest(None), math.inf)
