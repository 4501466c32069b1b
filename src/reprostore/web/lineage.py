"""The lineage graph on the packet and record pages: what a thing was made from and what was made
from it, a few levels each way, laid out in layers and drawn as SVG on the server.

The edges come from the domains (`packets.lineage`, `records.lineage`) as (user, used) pairs. Here
they become levels (upstream negative, the subject 0, downstream positive), at most
NODES_PER_LEVEL nodes a level with a "+N more" node for the rest, and two drawings of the same
graph: columns left to right for wide screens, levels top to bottom for phones. The template
(web/lineage_graph.html) writes the SVG with Django's escaping; styles are classes in style.css,
since the pages' CSP allows no inline style.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.urls import reverse

from reprostore.packets import lineage as packet_lineage
from reprostore.packets.models import Packet
from reprostore.records import lineage as record_lineage

DEFAULT_DEPTH = 2
MAX_DEPTH = 10
NODES_PER_LEVEL = 12
# The domains stop collecting edges here; the graph says so when they did.
EDGE_LIMIT = 200
LABEL_CHARS = 22

# Sizes in SVG units (CSS pixels at the drawing's natural size).
NODE_W, NODE_H = 176, 44
COLUMN_GAP, ROW_GAP = 56, 14
MARGIN, HEADING_H = 8, 26
TALL_COLUMNS, TALL_GAP = 2, 12


@dataclass(frozen=True)
class NodeInfo:
    """How a domain shows one node: a short label and detail, the full name, its page, and a
    key that orders the nodes of a level (the first NODES_PER_LEVEL are kept)."""

    label: str
    detail: str
    title: str
    url: str
    order: tuple = ()


@dataclass
class Node:
    key: str | tuple
    level: int
    label: str
    detail: str
    title: str
    url: str | None = None
    kind: str = "node"  # "subject", "node", "unavailable" (no page to link), "more"


@dataclass
class Graph:
    subject: str
    nodes: list[Node]
    edges: list[tuple[str, str]]  # (used, user): drawn from what was used to what used it
    left_out: int = 0
    truncated: bool = False
    columns: dict[int, list[Node]] = field(default_factory=dict)

    @property
    def upstream(self) -> int:
        return sum(1 for node in self.nodes if node.level < 0 and node.kind != "more")

    @property
    def downstream(self) -> int:
        return sum(1 for node in self.nodes if node.level > 0 and node.kind != "more")


def depth(text, default: int = DEFAULT_DEPTH) -> int:
    """A `?up=` or `?down=` value, clamped to 0..MAX_DEPTH; junk means the default."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return max(0, min(value, MAX_DEPTH))


def shortened(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# Building the graph


def build_graph(
    subject: str,
    edges,
    describe,
    *,
    up: int,
    down: int,
    kind_name: str = "item",
    per_level: int = NODES_PER_LEVEL,
    truncated: bool = False,
) -> Graph:
    """The levels around `subject` from (user, used) `edges`.

    `describe(keys)` answers {key: NodeInfo} for the keys the visitor may see. Upstream, a key it
    does not describe is shown without a link and not followed (a packet may name one that is
    not on this server, or one the visitor may not read); downstream such keys are left out, as
    the pages' "used by" lists leave them out. Each node sits at its shortest distance from the
    subject; a node reached both ways (only a cycle can do that) stays upstream.
    """
    edges = [(user, used) for user, used in edges if user != used]
    uses, used_by = defaultdict(set), defaultdict(set)
    for user, used in edges:
        uses[user].add(used)
        used_by[used].add(user)
    known = describe({subject} | set(uses) | set(used_by))
    info = known[subject]
    graph = Graph(subject, [], [], truncated=truncated)
    graph.columns[0] = [Node(subject, 0, info.label, info.detail, info.title, info.url, "subject")]
    seen = {subject}
    grow(graph, known, uses, -1, up, seen, kind_name, per_level)
    grow(graph, known, used_by, 1, down, seen, kind_name, per_level)
    columns = graph.columns.values()
    shown = {node.key for column in columns for node in column if node.kind != "more"}
    graph.edges = sorted({(used, user) for user, used in edges if {user, used} <= shown})
    order_columns(graph)
    graph.nodes = [node for level in sorted(graph.columns) for node in graph.columns[level]]
    return graph


def grow(graph, known, neighbours, direction, limit, seen, kind_name, per_level) -> None:
    """Add the levels on one side of the subject (`direction` -1 upstream, 1 downstream),
    nearest first: at most `per_level` nodes a level, the rest counted in a "+N more" node and
    not followed further. `seen` holds every key placed or left out, so none comes back farther
    away."""
    frontier = [graph.subject]
    for distance in range(1, limit + 1):
        level = direction * distance
        candidates = {key for here in frontier for key in neighbours[here]} - seen
        if direction > 0:
            candidates &= known.keys()
        if not candidates:
            return
        seen |= candidates
        ranked = sorted(candidates, key=lambda key: (key not in known, order_of(known, key)))
        column = [new_node(key, level, known.get(key)) for key in ranked[:per_level]]
        if hidden := len(ranked) - len(column):
            graph.left_out += hidden
            column.append(more_node(level, hidden, kind_name, per_level))
        graph.columns[level] = column
        frontier = [node.key for node in column if node.kind == "node"]


def order_of(known, key):
    return known[key].order if key in known else ()


def new_node(key: str, level: int, info: NodeInfo | None) -> Node:
    if info is None:
        label = shortened(key, LABEL_CHARS)
        return Node(key, level, label, "not available", unavailable(key), kind="unavailable")
    return Node(key, level, info.label, info.detail, info.title, info.url)


def unavailable(key: str) -> str:
    return f"{key}: not on this server, or not one you may read"


def more_node(level: int, hidden: int, kind_name: str, per_level: int) -> Node:
    side = "upstream" if level < 0 else "downstream"
    steps = "1 step" if abs(level) == 1 else f"{abs(level)} steps"
    title = (
        f"{hidden} more {kind_name}{'s' if hidden != 1 else ''} {steps} {side} not shown "
        f"(at most {per_level} a level)"
    )
    # A tuple for a key: no label or id can be equal to it.
    return Node(("more", level), level, f"+{hidden} more", "not shown", title, kind="more")


def order_columns(graph: Graph) -> None:
    """Order each column by where its neighbours sit in the column nearer the subject (the
    barycentre heuristic), which keeps most edges from crossing; "+N more" stays last."""
    neighbours = defaultdict(set)
    for used, user in graph.edges:
        neighbours[used].add(user)
        neighbours[user].add(used)
    for direction in (-1, 1):
        level = direction
        while level in graph.columns:
            inner = {node.key: i for i, node in enumerate(graph.columns[level - direction])}
            column = graph.columns[level]
            more = [node for node in column if node.kind == "more"]
            rest = [node for node in column if node.kind != "more"]

            def centre(node, inner=inner):
                places = [inner[key] for key in neighbours[node.key] if key in inner]
                return sum(places) / len(places) if places else len(inner)

            ranked = sorted(enumerate(rest), key=lambda pair: (centre(pair[1]), pair[0]))
            graph.columns[level] = [node for _, node in ranked] + more
            level += direction


# Laying it out


def heading(level: int, kind_name: str) -> str:
    if level == 0:
        return f"this {kind_name}"
    side = "upstream" if level < 0 else "downstream"
    return side if abs(level) == 1 else f"{abs(level)} steps {side}"


def placed(node: Node, x: float, y: float) -> dict:
    return {
        "node": node,
        "x": x,
        "y": y,
        "w": NODE_W,
        "h": NODE_H,
        "text_x": x + 10,
        "label_y": y + 18,
        "detail_y": y + 35,
    }


def wide_layout(graph: Graph, kind_name: str) -> dict:
    """Columns left to right: the most upstream level first, the subject, then downstream."""
    levels = sorted(graph.columns)
    tallest = max(len(column) for column in graph.columns.values())
    height = MARGIN * 2 + HEADING_H + tallest * (NODE_H + ROW_GAP) - ROW_GAP
    width = MARGIN * 2 + len(levels) * (NODE_W + COLUMN_GAP) - COLUMN_GAP
    boxes, headings = {}, []
    for index, level in enumerate(levels):
        column = graph.columns[level]
        x = MARGIN + index * (NODE_W + COLUMN_GAP)
        top = MARGIN + HEADING_H + (tallest - len(column)) * (NODE_H + ROW_GAP) / 2
        headings.append({"x": x + NODE_W / 2, "y": MARGIN + 12, "text": heading(level, kind_name)})
        for row, node in enumerate(column):
            boxes[node.key] = placed(node, x, top + row * (NODE_H + ROW_GAP))
    edges = [wide_edge(boxes[used], boxes[user]) for used, user in graph.edges]
    return drawing(width, height, boxes, edges, headings, "wide")


def wide_edge(used: dict, user: dict) -> dict:
    y1, y2 = used["y"] + NODE_H / 2, user["y"] + NODE_H / 2
    if used["x"] < user["x"]:
        x1, x2 = used["x"] + NODE_W, user["x"]
        bend = (x2 - x1) / 2
        return edge(path(x1, y1, x1 + bend, y1, x2 - bend, y2, x2, y2))
    # In one column, or backwards (a cycle): loop out to the side and back in.
    x1 = used["x"] + NODE_W if used["x"] == user["x"] else used["x"]
    x2 = user["x"] + NODE_W
    out = COLUMN_GAP * 0.6
    side1 = out if x1 > used["x"] else -out
    return edge(path(x1, y1, x1 + side1, y1, x2 + out, y2, x2, y2), "loop")


def tall_layout(graph: Graph, kind_name: str) -> dict:
    """Levels top to bottom, TALL_COLUMNS nodes a row: narrow enough for a phone."""
    width = MARGIN * 2 + TALL_COLUMNS * NODE_W + (TALL_COLUMNS - 1) * TALL_GAP
    boxes, headings, y = {}, [], MARGIN
    for level in sorted(graph.columns):
        column = graph.columns[level]
        headings.append({"x": MARGIN, "y": y + 12, "text": heading(level, kind_name)})
        y += HEADING_H - 6
        for start in range(0, len(column), TALL_COLUMNS):
            row = column[start : start + TALL_COLUMNS]
            row_width = len(row) * NODE_W + (len(row) - 1) * TALL_GAP
            x = (width - row_width) / 2
            for node in row:
                boxes[node.key] = placed(node, x, y)
                x += NODE_W + TALL_GAP
            y += NODE_H + ROW_GAP
        y += ROW_GAP
    height = y - ROW_GAP * 2 + MARGIN
    edges = [tall_edge(boxes[used], boxes[user]) for used, user in graph.edges]
    return drawing(width, height, boxes, edges, headings, "tall")


def tall_edge(used: dict, user: dict) -> dict:
    x1, x2 = used["x"] + NODE_W / 2, user["x"] + NODE_W / 2
    if used["y"] < user["y"]:
        y1, y2 = used["y"] + NODE_H, user["y"]
        bend = (y2 - y1) / 2
        return edge(path(x1, y1, x1, y1 + bend, x2, y2 - bend, x2, y2))
    y1, y2 = used["y"] + NODE_H / 2, user["y"] + NODE_H / 2
    x1, x2 = used["x"], user["x"]
    return edge(path(x1, y1, x1 - 24, y1, x2 - 24, y2, x2, y2), "loop")


def path(x1, y1, cx1, cy1, cx2, cy2, x2, y2) -> str:
    """A cubic Bézier curve from (x1, y1) to (x2, y2)."""
    points = [(x1, y1), (cx1, cy1), (cx2, cy2), (x2, y2)]
    start, *controls = (f"{number(x)},{number(y)}" for x, y in points)
    return f"M{start} C{' '.join(controls)}"


def edge(d: str, kind: str = "forward") -> dict:
    return {"path": d, "kind": kind}


def drawing(width, height, boxes, edges, headings, name) -> dict:
    """A layout for the template, its numbers written out here: a template would print floats
    in the active locale's format, which SVG does not read."""
    return {
        "name": name,
        "width": number(width),
        "height": number(height),
        "view_box": f"0 0 {number(width)} {number(height)}",
        "nodes": [
            {key: value if key == "node" else number(value) for key, value in box.items()}
            for box in boxes.values()
        ],
        "edges": edges,
        "headings": [{**item, "x": number(item["x"]), "y": number(item["y"])} for item in headings],
    }


def number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def context(graph: Graph, kind_name: str, up: int, down: int) -> dict:
    """What web/lineage_graph.html needs."""
    return {
        "graph": graph,
        "kind_name": kind_name,
        "up": up,
        "down": down,
        "depths": range(MAX_DEPTH + 1),
        "per_level": NODES_PER_LEVEL,
        "edge_limit": EDGE_LIMIT,
        "wide": wide_layout(graph, kind_name),
        "tall": tall_layout(graph, kind_name),
    }


# The domains


def packet_graph(packet: Packet, reader, up: int, down: int) -> dict:
    """The lineage around a packet, through the packets the visitor may read."""
    readable = Packet.objects.readable(reader)
    edges, truncated = packet_lineage.lineage_edges(
        [packet.id], up=up, down=down, limit=EDGE_LIMIT, scope=readable
    )

    def describe(keys) -> dict:
        rows = readable.filter(id__in=sorted(keys))
        return {
            row["id"]: NodeInfo(
                label=shortened(row["name"], LABEL_CHARS),
                detail=row["id"],
                title=f"{row['name']} {row['id']}",
                url=reverse("web:packet", args=[row["name"], row["id"]]),
                order=(-row["time_start"], row["id"]),
            )
            for row in rows.values("id", "name", "time_start")
        }

    graph = build_graph(
        packet.id, edges, describe, up=up, down=down, kind_name="packet", truncated=truncated
    )
    return context(graph, "packet", up, down)


def record_graph(record, up: int, down: int) -> dict:
    """The lineage around a record among its project's records: a record used another when it
    read a file that one wrote (the same digest)."""
    project = record.project
    edges, truncated = record_lineage.lineage_edges(
        project, [record.label], up=up, down=down, limit=EDGE_LIMIT
    )

    def describe(keys) -> dict:
        rows = project.records.filter(label__in=sorted(keys)).values("label", "timestamp")
        return {
            row["label"]: NodeInfo(
                label=shortened(row["label"], LABEL_CHARS),
                detail=row["timestamp"].astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
                title=row["label"],
                url=reverse("records:record", args=[project.name, row["label"]]),
                order=(-row["timestamp"].timestamp(), row["label"]),
            )
            for row in rows
        }

    graph = build_graph(
        record.label, edges, describe, up=up, down=down, kind_name="record", truncated=truncated
    )
    return context(graph, "record", up, down)


def depths_of(request) -> tuple[int, int]:
    return depth(request.GET.get("up")), depth(request.GET.get("down"))
