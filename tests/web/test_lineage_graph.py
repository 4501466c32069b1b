"""The lineage graph (web/lineage.py): levels, collapsing, layout and escaping with made-up
edges, then on the packet and record pages with real ones."""

import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string

from tests.support.packet_access import grant_packets
from tests.web.conftest import save
from tests.web.support import add_packet

SVG = "{http://www.w3.org/2000/svg}"


def lineage():
    from reprostore.web import lineage as module

    return module


def describe_all(keys):
    """Every key known, newest (highest number in the name) first."""
    return {
        key: lineage().NodeInfo(
            label=key,
            detail="detail",
            title=f"full {key}",
            url=f"/x/{key}/",
            order=(-int("".join(filter(str.isdigit, key)) or 0), key),
        )
        for key in keys
    }


def graph(subject, edges, up=2, down=2, describe=describe_all, **options):
    return lineage().build_graph(subject, edges, describe, up=up, down=down, **options)


def levels(built) -> dict:
    return {node.key: node.level for node in built.nodes}


def crossings(built) -> int:
    """Edge crossings between neighbouring columns of the left-to-right drawing."""
    place = {node.key: (node.level, i) for level in built.columns for i, node in
             enumerate(built.columns[level])}  # fmt: skip
    edges = [(place[a], place[b]) for a, b in built.edges]
    count = 0
    for (a1, b1), (a2, b2) in ((e, f) for i, e in enumerate(edges) for f in edges[i + 1 :]):
        same_columns = a1[0] == a2[0] and b1[0] == b2[0]
        if same_columns and (a1[1] - a2[1]) * (b1[1] - b2[1]) < 0:
            count += 1
    return count


nodb = pytest.mark.nodb


@nodb
def test_upstream_is_negative_downstream_positive_each_at_its_shortest_distance():
    # (user, used): c1 made from b1, b1 from a1; d1 used c1; c1 also used a1 directly.
    edges = [("c1", "b1"), ("b1", "a1"), ("d1", "c1"), ("c1", "a1"), ("e1", "d1")]
    built = graph("c1", edges)
    assert levels(built) == {"a1": -1, "b1": -1, "c1": 0, "d1": 1, "e1": 2}
    assert ("a1", "b1") in built.edges  # b1 used a1: drawn within the column
    assert built.upstream == 2 and built.downstream == 2


@nodb
def test_depth_limits_each_direction():
    edges = [("c1", "b1"), ("b1", "a1"), ("d1", "c1"), ("e1", "d1")]
    assert levels(graph("c1", edges, up=1, down=0)) == {"b1": -1, "c1": 0}
    assert levels(graph("c1", edges, up=0, down=1)) == {"c1": 0, "d1": 1}
    assert levels(graph("c1", edges, up=5, down=5)) == {
        "a1": -2, "b1": -1, "c1": 0, "d1": 1, "e1": 2,
    }  # fmt: skip


@nodb
def test_a_cycle_shows_each_node_once():
    built = graph("a1", [("a1", "b1"), ("b1", "a1"), ("b1", "b1")], up=3, down=3)
    assert levels(built) == {"a1": 0, "b1": -1}
    assert sorted(built.edges) == [("a1", "b1"), ("b1", "a1")]


@nodb
def test_a_crowded_level_keeps_the_first_twelve_and_says_how_many_more():
    used = [f"u{i}" for i in range(1, 21)]
    edges = [("s0", key) for key in used] + [("u1", "deep1"), ("u20", "deep2")]
    built = graph("s0", edges, up=2, down=0)
    column = built.columns[-1]
    shown = [node.key for node in column if node.kind == "node"]
    # The newest first: u20 .. u9 (the domain's order), u1 is left out and so is what it used.
    assert sorted(shown) == sorted(f"u{i}" for i in range(9, 21))
    assert column[-1].kind == "more" and column[-1].label == "+8 more"
    assert "8 more items 1 step upstream not shown" in column[-1].title
    assert [node.key for node in built.columns[-2]] == ["deep2"]
    assert built.left_out == 8
    assert {key for edge in built.edges for key in edge} == {"s0", "deep2", *shown}


@nodb
def test_a_node_left_out_never_comes_back_farther_away():
    # u1 (left out at level 1, being the oldest) is also used by u13 (kept): not at level 2.
    edges = [("s0", f"u{i}") for i in range(1, 14)] + [("u13", "u1")]
    built = graph("s0", edges, up=3, down=0)
    assert "u1" not in levels(built) and -2 not in built.columns
    assert built.left_out == 1


@nodb
def test_what_the_visitor_may_not_see_is_unlinked_upstream_and_absent_downstream():
    edges = [("s1", "secret1"), ("secret1", "behind1"), ("hidden2", "s1"), ("shown3", "s1"),
             ("shown4", "hidden2")]  # fmt: skip
    known = {"s1", "shown3", "shown4", "behind1"}

    def describe(keys):
        return describe_all(set(keys) & known)

    built = graph("s1", edges, describe=describe)
    assert levels(built) == {"secret1": -1, "s1": 0, "shown3": 1}
    secret = built.columns[-1][0]
    assert secret.kind == "unavailable" and secret.url is None
    assert "not one you may read" in secret.title


@nodb
def test_columns_are_ordered_to_avoid_crossings():
    # s0 used by d1..d3; e-nodes use them in the opposite order of their names.
    edges = [("d3", "s0"), ("d2", "s0"), ("d1", "s0"), ("e1", "d3"), ("e2", "d2"), ("e3", "d1")]
    built = graph("s0", edges, up=0, down=2)
    assert crossings(built) == 0
    assert [node.key for node in built.columns[1]] == ["d3", "d2", "d1"]  # newest first
    assert [node.key for node in built.columns[2]] == ["e1", "e2", "e3"]


@nodb
@pytest.mark.parametrize("text, expected", [("3", 3), ("0", 0), ("99", 10), ("-2", 0),
                                            ("two", 2), (None, 2), ("", 2)])  # fmt: skip
def test_depths_from_the_query_are_clamped(text, expected):
    assert lineage().depth(text) == expected


def boxes_overlap(a, b) -> bool:
    ax, ay, bx, by = (float(a["x"]), float(a["y"]), float(b["x"]), float(b["y"]))
    w, h = float(a["w"]), float(a["h"])
    return ax < bx + w and bx < ax + w and ay < by + h and by < ay + h


@nodb
@pytest.mark.parametrize("layout", ["wide_layout", "tall_layout"])
def test_layouts_keep_every_box_inside_the_drawing_and_apart(layout):
    edges = [("s0", f"u{i}") for i in range(15)] + [(f"d{i}", "s0") for i in range(3)]
    edges += [("u3", "v1"), ("d1", "d0")]
    drawing = getattr(lineage(), layout)(graph("s0", edges, up=2, down=1), "packet")
    width, height = float(drawing["width"]), float(drawing["height"])
    assert drawing["view_box"] == f"0 0 {drawing['width']} {drawing['height']}"
    boxes = drawing["nodes"]
    assert len(boxes) == 1 + 12 + 1 + 1 + 3  # subject, 12 kept, "+3 more", v1, d0..d2
    for box in boxes:
        assert float(box["x"]) >= 0 and float(box["x"]) + float(box["w"]) <= width
        assert float(box["y"]) >= 0 and float(box["y"]) + float(box["h"]) <= height
    assert not any(boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    if layout == "tall_layout":
        assert width <= 380  # a phone's width at the drawing's natural size
    else:
        by_key = {box["node"].key: float(box["x"]) for box in boxes}
        assert by_key["v1"] < by_key["u3"] < by_key["s0"] < by_key["d1"]


def render_svg(built, layout="wide_layout") -> ET.Element:
    drawing = getattr(lineage(), layout)(built, "packet")
    text = render_to_string(
        "web/lineage_svg.html", {"drawing": drawing, "lineage": {"kind_name": "packet"}}
    )
    return ET.fromstring(text)


@nodb
def test_names_are_escaped_and_kept_whole_in_titles():
    hostile = "<script>alert(\"x\")</script> & 'quoted'"

    def describe(keys):
        return {
            key: lineage().NodeInfo(
                label=lineage().shortened(hostile, lineage().LABEL_CHARS),
                detail="<b>",
                title=hostile,
                url=f"/packets/{key}/?a=1&b=2",
            )
            for key in keys
        }

    svg = render_svg(graph("s0", [("s0", "u1")], describe=describe))
    links = svg.findall(f"{SVG}a")
    assert [link.get("href") for link in links] == ["/packets/u1/?a=1&b=2", "/packets/s0/?a=1&b=2"]
    assert [link.find(f"{SVG}title").text for link in links] == [hostile, hostile]
    labels = [text.text for text in svg.iter(f"{SVG}text") if text.get("class") == "lineage-label"]
    assert labels == [hostile[:21] + "…"] * 2
    assert svg.find(f".//{SVG}script") is None


@nodb
def test_the_drawing_uses_classes_not_inline_style():
    edges = [("s0", "u1"), ("d1", "s0"), ("u1", "x1")]
    svg = render_svg(graph("s0", edges, describe=lambda keys: describe_all(keys - {"x1"})))
    for element in svg.iter():
        assert "style" not in element.attrib, element.tag
    kinds = [
        element.get("class") for element in svg.iter() if element.tag in (f"{SVG}a", f"{SVG}g")
    ]
    assert "lineage-node unavailable" in kinds and "lineage-node subject" in kinds
    subject = next(a for a in svg.iter(f"{SVG}a") if a.get("class") == "lineage-node subject")
    assert subject.get("aria-current") == "page"
    assert len(svg.findall(f"{SVG}g/{SVG}path")) == 3  # one edge each


# The pages, with edges from the domains


@pytest.fixture
def reader(client, cast):
    grant_packets(cast.reader, "read")
    client.force_login(cast.reader)
    return client


def svg_links(page: str) -> set[str]:
    start = page.index('class="lineage-graph lineage-wide"')
    start = page.rindex("<svg", 0, start)
    svg = ET.fromstring(page[start : page.index("</svg>", start) + 6])
    return {link.get("href") for link in svg.iter(f"{SVG}a")}


def test_the_packet_page_draws_what_it_used_and_what_used_it(reader, packets, outpack_root):
    report = add_packet(outpack_root, "report", {"report.html": b"<p>ok</p>"},
                        depends=[(packets.fit, {"fit.png": "plots/fit.png"})])  # fmt: skip
    page = reader.get(f"/packets/model-fit/{packets.fit}/").content.decode()
    assert svg_links(page) == {
        f"/packets/incoming-data/{packets.data}/",
        f"/packets/model-fit/{packets.fit}/",
        f"/packets/report/{report}/",
    }
    assert "1 packet upstream (within 2 levels) and 1 downstream (within 2)" in page
    from_data = reader.get(f"/packets/incoming-data/{packets.data}/?down=1").content.decode()
    assert f"/packets/report/{report}/" not in svg_links(from_data)
    assert f"/packets/report/{report}/" in svg_links(
        reader.get(f"/packets/incoming-data/{packets.data}/?down=2").content.decode()
    )
    alone = reader.get(f"/packets/model-fit/{packets.fit}/?up=0&down=0").content.decode()
    assert "lineage-graph" not in alone and "Nothing upstream within 0 levels" in alone


def test_packets_the_visitor_may_not_read_are_never_named(client, cast, packets, outpack_root):
    add_packet(outpack_root, "report", {"r.txt": b"r"}, depends=[(packets.fit, {})])
    grant_packets(cast.reader, "read", name="model-fit")
    client.force_login(cast.reader)
    page = client.get(f"/packets/model-fit/{packets.fit}/").content.decode()
    assert svg_links(page) == {f"/packets/model-fit/{packets.fit}/"}
    assert "incoming-data" not in page.split('id="lineage"')[1]
    assert "report" not in page.split('id="lineage"')[1]
    assert f"{packets.data}: not on this server, or not one you may read" in page


def data(path, digest):
    return {"path": path, "digest": digest, "metadata": {"size": 10}, "creation": None}


@pytest.fixture
def pipeline(cast):
    """prepare → fit → plot and summary: each reads a file the one before wrote."""
    project = cast.project
    save(cast.owner, project, "prepare", timestamp="2024-05-06 07:00:00+0000",
         output_data=[data("clean.csv", "a" * 40)])  # fmt: skip
    save(cast.owner, project, "fit", timestamp="2024-05-06 08:00:00+0000",
         input_data=[data("clean.csv", "a" * 40)],
         output_data=[data("fit.h5", "b" * 40)])  # fmt: skip
    for hour, label in ((9, "plot"), (10, "summary")):
        save(cast.owner, project, label, timestamp=f"2024-05-06 {hour:02}:00:00+0000",
             input_data=[data("fit.h5", "b" * 40)], output_data=[])  # fmt: skip
    return project


def test_the_record_page_draws_records_linked_by_digests(client, html, cast, pipeline):
    client.force_login(cast.reader)
    page = html("/records/Private/fit/").content.decode()
    assert svg_links(page) == {f"/records/Private/{label}/" for label in
                               ("prepare", "fit", "plot", "summary")}  # fmt: skip
    assert "1 record upstream (within 2 levels) and 2 downstream (within 2)" in page
    up_only = html("/records/Private/summary/?up=1&down=0").content.decode()
    assert svg_links(up_only) == {"/records/Private/fit/", "/records/Private/summary/"}
    deeper = html("/records/Private/summary/?up=2").content.decode()
    assert "/records/Private/prepare/" in svg_links(deeper)


def test_the_depth_form_shows_the_chosen_depths(client, html, cast, pipeline):
    client.force_login(cast.reader)
    page = html("/records/Private/fit/?up=1&down=7").content.decode()
    assert '<option value="1" selected>1</option>' in page
    assert '<option value="7" selected>7</option>' in page
    assert page.count('<option value="10"') == 2


def test_a_crowded_packet_graph_collapses_and_says_how_many_more(reader, packets, outpack_root):
    users = [add_packet(outpack_root, "variant", {"v.txt": str(i).encode()}, at=1e9 + i,
                        depends=[(packets.data, {})]) for i in range(14)]  # fmt: skip
    page = reader.get(f"/packets/incoming-data/{packets.data}/?down=1").content.decode()
    links = svg_links(page)
    newest = {f"/packets/variant/{packet_id}/" for packet_id in users[-11:]}
    assert newest <= links and len(links) == 1 + 12  # the data, 11 variants and model-fit
    assert "+3 more" in page
    assert "3 more packets not shown</strong> (at most 12 a level)" in page
