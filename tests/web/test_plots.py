"""Plots across runs: the data (`/projects/<p>/plot/data/`) and the page drawing it as SVG."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import basic_auth
from tests.web.conftest import save

BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"
# label, hour, n, tau, duration, tags: a sweep of n and tau with every status.
SWEEP = [
    ("sweep-1", 1, 100, 10.0, 41.5, ["_finished_"]),
    ("sweep-2", 2, 200, 10.0, 97.25, ["_finished_", "paper"]),
    ("sweep-3", 3, 400, 5.0, 12.0, ["_failed_"]),
    ("sweep-4", 4, 400, 20.0, None, ["_running_"]),
    ("sweep-5", 5, 800, 20.0, 3.5, ["_killed_"]),
    ("sweep-6", 6, 800, 5.0, 250.0, []),
]


def parameters(values: dict) -> dict:
    return {"type": "JSONParameterSet", "content": json.dumps(values)}


def stamp(hour: int) -> str:
    return f"2024-05-06 {hour:02}:00:00+0000"


def seconds(hour: int) -> float:
    return datetime.datetime(2024, 5, 6, hour, tzinfo=datetime.UTC).timestamp()


@pytest.fixture
def sweep(cast):
    """The sweep, plus a record whose n is a string and one whose n is a bool."""
    for label, hour, n, tau, duration, tags in SWEEP:
        values = {"n": n, "tau": tau, "model": "lif", "fast": True, "sumatra_label": label}
        save(cast.owner, cast.project, label, timestamp=stamp(hour), duration=duration,
             tags=tags, parameters=parameters(values))  # fmt: skip
    save(cast.owner, cast.project, "odd-text", timestamp=stamp(7), duration=1.0,
         tags=["_finished_"], parameters=parameters({"n": "many", "tau": 7.5}))  # fmt: skip
    save(cast.owner, cast.project, "odd-bool", timestamp=stamp(8), duration=2.0,
         tags=["_finished_"], parameters=parameters({"n": True, "tau": 2.5}))  # fmt: skip
    return cast


def plot_data(client, url="", **extra):
    response = client.get(f"/projects/Private/plot/data/{url}", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def by_label(data) -> dict:
    return {point["label"]: point for point in data["points"]}


@pytest.fixture
def reader(client, sweep):
    client.force_login(sweep.reader)
    return client


def test_the_data_has_every_record_of_the_sweep_with_its_values(reader):
    data = plot_data(reader, "?x=parameter:n&y=parameter:tau&colour=duration")
    assert (data["x"], data["y"], data["colour"], data["view"]) == (
        "parameter:n", "parameter:tau", "duration", "scatter"
    )  # fmt: skip
    points = by_label(data)
    assert set(points) == {label for label, *_ in SWEEP}
    for label, _, n, tau, duration, _ in SWEEP:
        expected = {"parameter:n": n, "parameter:tau": tau}
        if duration is not None:
            expected["duration"] = duration
        assert points[label]["values"] == expected, label
        assert points[label]["url"] == f"/records/Private/{label}/"
    assert data["records"] == data["considered"] == len(SWEEP) + 2
    assert data["skipped"] == 2


def test_only_numbers_can_be_plotted(reader):
    data = plot_data(reader)
    # Strings (model, sumatra_label) and booleans (fast) are never numbers.
    assert data["keys"] == ["timestamp", "duration", "parameter:n", "parameter:tau"]


def test_records_whose_value_is_not_a_number_are_skipped(reader):
    data = plot_data(reader, "?x=parameter:tau&y=parameter:n")
    assert "odd-text" not in by_label(data) and "odd-bool" not in by_label(data)
    with_tau = plot_data(reader, "?x=timestamp&y=parameter:tau")
    assert by_label(with_tau)["odd-text"]["values"] == {
        "timestamp": seconds(7),
        "parameter:tau": 7.5,
    }
    assert with_tau["skipped"] == 0


def test_a_record_without_a_duration_is_left_out_of_a_duration_axis(reader):
    data = plot_data(reader, "?x=parameter:n&y=duration")
    assert "sweep-4" not in by_label(data)
    assert len(data["points"]) == len(SWEEP) - 1


def test_timestamps_are_seconds_since_1970(reader):
    data = plot_data(reader, "?x=timestamp&y=duration")
    assert by_label(data)["sweep-1"]["values"]["timestamp"] == seconds(1)


def test_each_point_has_the_status_of_its_record(reader):
    points = by_label(plot_data(reader, "?x=timestamp&y=duration"))
    statuses = {label: point["status"] for label, point in points.items()}
    assert statuses == {
        "sweep-1": "finished", "sweep-2": "finished", "sweep-3": "failed",
        "sweep-5": "killed", "sweep-6": "unknown", "odd-text": "finished", "odd-bool": "finished",
    }  # fmt: skip
    assert by_label(plot_data(reader, "?y=parameter:tau"))["sweep-4"]["status"] == "running"


def test_the_defaults_are_the_first_parameter_against_the_duration_by_status(reader):
    data = plot_data(reader)
    assert (data["x"], data["y"], data["colour"]) == ("parameter:n", "duration", "status")
    assert data["axes"] == ["parameter:n", "parameter:tau", "duration"]


def test_parallel_coordinates_give_every_record_with_all_the_axes(reader):
    url = "?view=parallel&axis=parameter:tau&axis=parameter:n&axis=duration&axis=timestamp"
    data = plot_data(reader, url)
    assert data["view"] == "parallel"
    assert data["axes"] == ["parameter:tau", "parameter:n", "duration", "timestamp"]
    points = by_label(data)
    assert set(points) == {label for label, *_, duration, _ in SWEEP if duration is not None}
    assert points["sweep-3"]["values"] == {
        "parameter:tau": 5.0, "parameter:n": 400, "duration": 12.0, "timestamp": seconds(3)
    }  # fmt: skip


def test_the_search_narrows_the_plot(reader):
    data = plot_data(reader, "?q=parameter:n+>%3D+400")
    assert set(by_label(data)) == {"sweep-3", "sweep-5", "sweep-6"}
    assert data["records"] == 4  # sweep-4 matches but has no duration
    assert set(by_label(plot_data(reader, "?tags=paper"))) == {"sweep-2"}


def test_a_search_that_cannot_run_is_a_400_for_the_data_and_a_message_on_the_page(reader):
    response = reader.get("/projects/Private/plot/data/?q=parameter:n+%3E%3E+3")
    assert response.status_code == 400
    assert response.json()["error"]
    page = reader.get("/projects/Private/plot/?q=parameter:n+%3E%3E+3", HTTP_ACCEPT=BROWSER)
    assert page.status_code == 200
    assert "The search could not be run" in page.content.decode()


def test_a_choice_that_cannot_be_had_is_a_400_for_the_data_and_a_default_on_the_page(reader):
    response = reader.get("/projects/Private/plot/data/?x=parameter:model")
    assert response.status_code == 400
    assert response.json() == {
        "error": "No numeric values of 'model' among these records to use for x: showing n instead."
    }
    page = reader.get("/projects/Private/plot/?x=parameter:model", HTTP_ACCEPT=BROWSER)
    assert page.status_code == 200
    assert page.context["plot"].choice.x == "parameter:n"
    assert "No numeric values of &#x27;model&#x27;" in page.content.decode()


def test_the_plot_shows_the_newest_records_up_to_the_limit(reader, monkeypatch):
    from reprostore.web import plots

    monkeypatch.setattr(plots, "POINTS_LIMIT", 3)
    data = plot_data(reader, "?x=timestamp&y=parameter:tau")
    assert [point["label"] for point in data["points"]] == ["odd-bool", "odd-text", "sweep-6"]
    assert (data["records"], data["considered"], data["limit"]) == (8, 3, 3)
    page = reader.get("/projects/Private/plot/?x=timestamp&y=parameter:tau", HTTP_ACCEPT=BROWSER)
    assert "The 3 most recent of 8 matching records are plotted" in page.content.decode()


def test_a_new_record_shows_at_once(reader, sweep):
    assert "parameter:gain" not in plot_data(reader)["keys"]
    save(sweep.owner, sweep.project, "later", timestamp=stamp(9),
         parameters=parameters({"n": 50, "gain": 0.5}))  # fmt: skip
    data = plot_data(reader)
    assert "parameter:gain" in data["keys"]
    assert data["records"] == len(SWEEP) + 3


def test_the_plot_never_reads_record_documents(reader):
    with CaptureQueriesContext(connection) as queries:
        reader.get("/projects/Private/plot/data/?view=parallel")
        reader.get("/projects/Private/plot/", HTTP_ACCEPT=BROWSER)
    record_queries = [q["sql"] for q in queries if '"records_record"' in q["sql"]]
    assert record_queries
    assert not any('"body"' in sql for sql in record_queries)


# ---- The page -------------------------------------------------------------------------------


def lightness(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def svg_of(response) -> str:
    page = response.content.decode()
    return page[page.index("<svg") : page.index("</svg>")]


def test_the_scatter_plot_has_one_linked_point_per_record(reader):
    response = reader.get("/projects/Private/plot/?x=parameter:n&y=duration", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 200
    svg = svg_of(response)
    links = re.findall(r'<a href="([^"]+)"><title>([^<]*)</title><use href="#shape-(\w+)"', svg)
    assert sorted(links) == sorted(
        (f"/records/Private/{label}/", tooltip, status)
        for label, tooltip, status in [
            ("sweep-1", "sweep-1 · Finished · n = 100 · duration = 41.5 s", "finished"),
            ("sweep-2", "sweep-2 · Finished · n = 200 · duration = 1 min 37 s", "finished"),
            ("sweep-3", "sweep-3 · Failed · n = 400 · duration = 12 s", "failed"),
            ("sweep-5", "sweep-5 · Killed · n = 800 · duration = 3.5 s", "killed"),
            ("sweep-6", "sweep-6 · No status · n = 800 · duration = 4 min 10 s", "unknown"),
        ]
    )
    assert "5 records, each a link to its page." in svg
    page = response.content.decode()
    assert "3 of them have no number for x or y and are not shown." in page


def test_each_status_has_its_own_shape_and_the_legend_names_it(reader):
    svg = svg_of(reader.get("/projects/Private/plot/?y=parameter:tau", HTTP_ACCEPT=BROWSER))
    shapes = {
        "finished": "<circle", "failed": "<path", "running": "<path", "killed": "<rect",
        "unknown": "<path",
    }  # fmt: skip
    definitions = {}
    for status, shape in shapes.items():
        definition = re.search(rf'<(\w+) id="shape-{status}"[^>]*/>', svg).group(0)
        assert definition.startswith(shape), definition
        definitions[status] = definition
    assert len(set(definitions.values())) == len(shapes)
    for name in ("Finished (circle)", "Failed (cross)", "Running (triangle)", "Killed (square)",
                 "No status (diamond)"):  # fmt: skip
        assert f">{name}</text>" in svg


def test_colour_by_a_parameter_uses_viridis_with_a_legend(reader):
    url = "/projects/Private/plot/?x=timestamp&y=parameter:n&colour=parameter:tau"
    svg = svg_of(reader.get(url, HTTP_ACCEPT=BROWSER))
    fills = dict(re.findall(r'<title>(sweep-\d)[^<]*</title><use [^>]*fill="(#[0-9a-f]{6})"', svg))
    assert fills["sweep-3"] == fills["sweep-6"]  # tau 5
    assert fills["sweep-1"] == fills["sweep-2"]  # tau 10
    assert fills["sweep-4"] == fills["sweep-5"]  # tau 20
    # Viridis gets lighter as the value grows, so the order shows in grey too.
    tau_5, tau_10, tau_20 = (lightness(fills[label]) for label in ("sweep-3", "sweep-1", "sweep-5"))
    assert tau_5 < tau_10 < tau_20
    assert "Colour: tau" in svg and 'fill="url(#viridis)"' in svg


def test_the_parallel_coordinates_have_one_linked_line_per_record(reader):
    url = "/projects/Private/plot/?view=parallel&axis=parameter:n&axis=parameter:tau&axis=duration"
    svg = svg_of(reader.get(url, HTTP_ACCEPT=BROWSER))
    lines = re.findall(r'<a href="([^"]+)"><title>[^<]*</title><polyline points="([^"]+)"', svg)
    assert sorted(href for href, _ in lines) == [
        f"/records/Private/{label}/" for label in ("sweep-1", "sweep-2", "sweep-3", "sweep-5",
                                                    "sweep-6")
    ]  # fmt: skip
    assert all(len(points.split()) == 3 for _, points in lines)
    dashes = re.findall(r'<title>(sweep-\d)[^<]*</title><polyline [^>]*stroke-dasharray="([^"]+)"',
                        svg)  # fmt: skip
    assert {label for label, _ in dashes} == {"sweep-3", "sweep-5", "sweep-6"}  # not finished


def test_the_form_offers_the_numeric_keys_and_keeps_the_search(reader):
    response = reader.get("/projects/Private/plot/?q=parameter:n+>+100&tags=paper",
                          HTTP_ACCEPT=BROWSER)  # fmt: skip
    page = response.content.decode()
    start = page.index('id="plot-x"')
    select_x = page[start : page.index("</select>", start)]
    assert re.findall(r'<option value="([^"]+)"', select_x) == [
        "timestamp", "duration", "parameter:n", "parameter:tau"
    ]  # fmt: skip
    assert '<input type="hidden" name="q" value="parameter:n &gt; 100">' in page
    assert '<input type="hidden" name="tags" value="paper">' in page
    assert 'href="?q=parameter%3An+%3E+100&amp;tags=paper&amp;view=parallel"' in page


def test_the_project_page_links_to_the_plot_of_its_search(reader):
    page = reader.get("/records/Private/?q=parameter:n+>+100&sort=label", HTTP_ACCEPT=BROWSER)
    assert 'href="/projects/Private/plot/?q=parameter:n%20%3E%20100">Plot</a>' in (
        page.content.decode()
    )


def test_a_project_without_records_has_nothing_to_plot(client, cast):
    client.force_login(cast.reader)
    data = plot_data(client)
    assert (data["points"], data["records"], data["keys"]) == ([], 0, ["timestamp", "duration"])
    page = client.get("/projects/Private/plot/", HTTP_ACCEPT=BROWSER).content.decode()
    assert "No records." in page and "<svg" not in page


# ---- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/projects/Private/plot/", "/projects/Private/plot/data/"])
def test_a_stranger_gets_not_found(client, sweep, url):
    client.force_login(sweep.stranger)
    response = client.get(url, HTTP_ACCEPT=BROWSER)
    assert response.status_code == 404
    assert "sweep-1" not in response.content.decode()


@pytest.mark.parametrize("url", ["/projects/Nonexistent/plot/", "/projects/Nonexistent/plot/data/"])
def test_a_missing_project_is_not_found(client, sweep, url):
    client.force_login(sweep.reader)
    assert client.get(url, HTTP_ACCEPT=BROWSER).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, sweep):
    response = client.get("/projects/Private/plot/", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/projects/Private/plot/"


def test_anonymous_clients_get_the_challenge_and_no_data(client, sweep):
    """As from the Sumatra API: the same answer whether the project exists or not."""
    for project in ("Private", "Nonexistent"):
        response = client.get(f"/projects/{project}/plot/data/")
        assert response.status_code == 401
        assert response.json() == {"error": "Authentication required"}
        assert response["WWW-Authenticate"].startswith("Basic")


def test_clients_may_send_their_credentials(client, sweep):
    response = client.get("/projects/Private/plot/data/", **basic_auth("bob"))
    assert response.status_code == 200
    assert len(response.json()["points"]) == len(SWEEP) - 1
    assert "Authorization" in response["Vary"]  # the answer depends on who asks


def test_anyone_may_plot_a_public_project(client, cast):
    save(cast.owner, cast.public, "open-run", parameters=parameters({"n": 3}))
    response = client.get("/projects/Public/plot/data/?x=parameter:n")
    assert response.status_code == 200
    assert [point["label"] for point in response.json()["points"]] == ["open-run"]
    assert client.get("/projects/Public/plot/", HTTP_ACCEPT=BROWSER).status_code == 200


def test_the_data_is_read_only(reader):
    response = reader.post("/projects/Private/plot/data/")
    assert response.status_code == 405


# ---- Pieces ---------------------------------------------------------------------------------


@pytest.mark.nodb
@pytest.mark.parametrize(
    "label", ["20240506-090000", "a b", "ü", "c++", "x/y", "q?r#s", "%41", "plain_label.v2~", ""]
)
def test_labels_in_links_are_quoted_as_the_record_urls_are(label):
    from reprostore.records.listing import path_part
    from reprostore.web.plots import url_part

    assert url_part(label) == path_part(label)


@pytest.mark.nodb
def test_ticks_are_round_numbers_inside_the_range():
    from reprostore.web.plots import Scale, ticks

    assert ticks(Scale(0.3, 9.7, 0, 100), "parameter:n") == [2, 4, 6, 8]
    assert ticks(Scale(-0.02, 0.11, 0, 100), "parameter:n") == pytest.approx([0, 0.05, 0.1])
    # A time axis steps by whole days (or hours, minutes...): midnights here.
    midnight, day = 1714953600, 86400
    assert ticks(Scale(midnight - 600, midnight + 3 * day + 600, 0, 100), "timestamp") == [
        midnight + n * day for n in range(4)
    ]
