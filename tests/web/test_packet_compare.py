"""Comparing packets: 2 to 8 of any names side by side, parameters, files by hash (same,
changed, only in some) and the packets each used; only packets the visitor may read."""

import re
from urllib.parse import urlencode

import pytest

from tests.support.packet_access import grant_packets
from tests.web.support import add_packet


class Pipeline:
    """Two data packets and two fits of different settings that used one data packet each."""

    def __init__(self, root):
        self.data_2023 = add_packet(
            root, "incoming-data", {"data.csv": b"year,cases\n2023,12\n"}, parameters={"year": 2023}
        )
        self.data_2024 = add_packet(
            root, "incoming-data", {"data.csv": b"year,cases\n2024,30\n"}, parameters={"year": 2024}
        )
        shared = {"script.py": b"print('fit')\n", "priors.json": b'{"beta": 1}'}
        self.fit_a = add_packet(
            root,
            "model-fit",
            {**shared, "fit.csv": b"R0,1.7\n", "old-notes.txt": b"first try\n"},
            parameters={"tolerance": 0.001, "chains": 4, "disease": "YF"},
            depends=[(self.data_2023, {"data.csv": "data.csv"})],
        )
        self.fit_b = add_packet(
            root,
            "model-fit",
            {**shared, "fit.csv": b"R0,1.9\n", "log.txt": b"converged\n"},
            parameters={"tolerance": 0.0001, "chains": 4, "disease": "YF"},
            depends=[(self.data_2024, {"data.csv": "data.csv"})],
        )


@pytest.fixture
def pipeline(db, outpack_root):
    return Pipeline(outpack_root)


@pytest.fixture
def reader(client, cast):
    grant_packets(cast.reader, "read")
    client.force_login(cast.reader)
    return client


def compare_url(*ids, **extra) -> str:
    return "/compare/packets/?" + urlencode([("id", i) for i in ids] + list(extra.items()))


def section(response, title):
    return next(s for s in response.context["sections"] if s.title == title)


def rows(response, title) -> dict:
    return {row.name: row for row in section(response, title).rows}


def test_parameters_differing_between_the_packets_are_marked(reader, pipeline):
    response = reader.get(compare_url(pipeline.fit_a, pipeline.fit_b))
    assert response.status_code == 200
    parameters = rows(response, "Parameters")
    assert parameters["tolerance"].differs and parameters["tolerance"].values == ["0.001", "0.0001"]
    assert not parameters["chains"].differs and not parameters["disease"].differs
    page = response.content.decode()
    tolerance = re.search(r'<tr class="differs">.*?</tr>', page.split('id="section-2"')[1], re.S)
    assert "tolerance" in tolerance.group(0) and "0.0001" in tolerance.group(0)


def test_files_are_compared_by_hash(reader, pipeline):
    response = reader.get(compare_url(pipeline.fit_a, pipeline.fit_b))
    files = rows(response, "Files")
    assert {path: row.status for path, row in files.items()} == {
        "fit.csv": "changed",
        "log.txt": "only in some",
        "old-notes.txt": "only in some",
        "priors.json": "same",
        "script.py": "same",
    }
    assert files["log.txt"].values[0] is None and files["old-notes.txt"].values[1] is None
    assert response.context["files"] == {"same": 2, "changed": 1, "only_in_some": 2}
    page = response.content.decode()
    assert "2 the same, 1 changed, 2 only in some of the packets" in page
    assert page.count('<span class="absent">absent</span>') == 2


def test_the_packets_used_are_compared_and_linked(reader, pipeline):
    response = reader.get(compare_url(pipeline.fit_a, pipeline.fit_b))
    used = rows(response, "Uses")["incoming-data"]
    assert used.differs and used.values == [pipeline.data_2023, pipeline.data_2024]
    page = response.content.decode()
    assert f'href="/packets/incoming-data/{pipeline.data_2023}/"' in page
    assert f'href="/packets/incoming-data/{pipeline.data_2024}/"' in page


def test_packets_of_different_names_compare_in_the_order_given(reader, pipeline):
    response = reader.get(compare_url(pipeline.fit_b, pipeline.data_2023, pipeline.fit_b))
    assert [p.id for p in response.context["packets"]] == [pipeline.fit_b, pipeline.data_2023]
    assert rows(response, "Packet")["Name"].values == ["model-fit", "incoming-data"]
    assert rows(response, "Parameters")["year"].values == [None, "2023"]


def test_only_the_differences_on_request(reader, pipeline):
    response = reader.get(compare_url(pipeline.fit_a, pipeline.fit_b, show="differences"))
    assert "priors.json" not in rows(response, "Files")
    assert set(rows(response, "Parameters")) == {"tolerance"}
    # The summary still counts every file.
    assert response.context["files"]["same"] == 2


@pytest.mark.parametrize("count", [0, 1, 9])
def test_too_few_or_too_many_packets_go_back_with_a_message(reader, pipeline, outpack_root, count):
    ids = [pipeline.fit_a, pipeline.fit_b, pipeline.data_2023, pipeline.data_2024]
    while len(ids) < count:
        ids.append(add_packet(outpack_root, "more", {"x.txt": str(len(ids)).encode()}))
    response = reader.get(compare_url(*ids[:count]), follow=True)
    expected = "/packets/model-fit/" if count else "/packets/"
    assert response.redirect_chain == [(expected, 302)]
    assert f"Choose between 2 and 8 packets to compare (you chose {count})." in (
        response.content.decode()
    )


def test_an_unknown_packet_is_not_found(reader, pipeline):
    response = reader.get(compare_url(pipeline.fit_a, "20240101-000000-00000000"))
    assert response.status_code == 404


def test_a_packet_the_visitor_may_not_read_is_refused_as_missing(client, cast, pipeline):
    grant_packets(cast.reader, "read", "model-fit")  # only the fits
    client.force_login(cast.reader)
    assert client.get(compare_url(pipeline.fit_a, pipeline.fit_b)).status_code == 200
    hidden = client.get(compare_url(pipeline.fit_a, pipeline.data_2023))
    missing = client.get(compare_url(pipeline.fit_a, "20240101-000000-00000000"))
    assert hidden.status_code == missing.status_code == 404
    assert "incoming-data" not in hidden.content.decode()


def test_a_dependency_the_visitor_may_not_read_is_shown_by_id_without_a_link(
    client, cast, pipeline
):
    grant_packets(cast.reader, "read", "model-fit")
    client.force_login(cast.reader)
    response = client.get(compare_url(pipeline.fit_a, pipeline.fit_b))
    used = rows(response, "Uses")
    assert set(used) == {pipeline.data_2023, pipeline.data_2024}
    assert 'href="/packets/incoming-data/' not in response.content.decode()


def test_strangers_are_not_shown_packets_and_anonymous_visitors_log_in(client, cast, pipeline):
    client.force_login(cast.stranger)
    assert client.get(compare_url(pipeline.fit_a, pipeline.fit_b)).status_code == 404
    client.logout()
    response = client.get(compare_url(pipeline.fit_a, pipeline.fit_b))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_packet_list_offers_ticking_packets_to_compare(reader, pipeline):
    page = reader.get("/packets/model-fit/").content.decode()
    assert '<form id="compare-form" method="get" action="/compare/packets/">' in page
    for packet_id in (pipeline.fit_a, pipeline.fit_b):
        assert (
            f'<input type="checkbox" name="id" value="{packet_id}" form="compare-form" '
            f'aria-label="Compare {packet_id}">'
        ) in page
    searched = reader.get("/packets/", {"q": 'name == "incoming-data"'}).content.decode()
    assert searched.count('form="compare-form"') == 3  # two boxes and the button


def test_the_differences_link_keeps_every_packet(reader, pipeline):
    page = reader.get(compare_url(pipeline.fit_a, pipeline.fit_b)).content.decode()
    link = f'href="?id={pipeline.fit_a}&amp;id={pipeline.fit_b}&amp;show=differences"'
    assert f"<a {link}>Show only the differences</a>" in page
    back = reader.get(compare_url(pipeline.fit_a, pipeline.fit_b, show="differences"))
    assert f'href="?id={pipeline.fit_a}&amp;id={pipeline.fit_b}">Show every row' in (
        back.content.decode()
    )


def test_a_packet_links_a_comparison_with_the_previous_one_of_its_name(reader, pipeline):
    page = reader.get(f"/packets/model-fit/{pipeline.fit_b}/").content.decode()
    link = f'href="/compare/packets/?id={pipeline.fit_a}&amp;id={pipeline.fit_b}"'
    assert f"<a {link}>Compare with the previous model-fit</a>" in page
    first = reader.get(f"/packets/model-fit/{pipeline.fit_a}/").content.decode()
    assert "Compare with the previous" not in first
