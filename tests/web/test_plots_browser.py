"""Plots across runs in headless Chromium, against a real server: points and lines that open
their records, under the Content-Security-Policy, with no request leaving the server.

The same tests save docs/screenshots/plot-scatter.png and plot-parallel.png.
"""

import itertools
import json
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.support.server import run_commands, start_server
from tests.web import test_browser as shared
from tests.web.support import put_record
from tests.web.test_browser import create_project, screenshot

# The browser and its tabs, as test_browser.py makes them; a tab's `site` is this module's.
browser, open_page = shared.browser, shared.open_page

pytestmark = pytest.mark.browser

PROJECT = "ring-sweep"
PLOT = f"/projects/{PROJECT}/plot/"
FAILED, KILLED = {5, 17}, {11}


def runs() -> list[dict]:
    """A sweep of n and tau_m with two seeds, oldest first: two failed, one killed and the newest
    still running (so without a duration)."""
    made = []
    grid = itertools.product((100, 200, 400, 800), (5.0, 10.0, 20.0), (1, 2))
    for number, (n, tau, seed) in enumerate(grid):
        status = "failed" if number in FAILED else "killed" if number in KILLED else "finished"
        duration = round(n * tau / 20 * (1 + 0.15 * seed), 2)
        made.append(
            {
                "label": f"20240506-{9 + number // 6:02}{number % 6 * 10:02}00",
                "n": n,
                "tau_m": tau,
                "seed": seed,
                "status": status,
                "duration": duration / 3 if status == "failed" else duration,
            }
        )
    made[-1] |= {"status": "running", "duration": None}
    return made


RUNS = runs()
WITH_DURATION = [run for run in RUNS if run["duration"] is not None]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """alice's sweep; bob may read it."""
    server, cleanup = start_server(tmp_path_factory.mktemp("plots-browser") / "root")
    adduser = ["adduser", "--password-stdin"]
    run_commands(server, *[([*adduser, name], PASSWORD + "\n") for name in ("alice", "bob")])
    create_project(server.url, PROJECT, "alice", "Ring network sweep", "n, tau_m and seed")
    for run in RUNS:
        hour, minute = run["label"][9:11], run["label"][11:13]
        put_record(
            server.url,
            PROJECT,
            run["label"],
            "alice",
            timestamp=f"2024-05-06 {hour}:{minute}:00+0000",
            duration=run["duration"],
            tags=[f"_{run['status']}_"],
            reason=f"n={run['n']}, tau_m={run['tau_m']}, seed {run['seed']}",
            parameters={
                "type": "JSONParameterSet",
                "content": json.dumps(
                    {"n": run["n"], "tau_m": run["tau_m"], "seed": run["seed"], "model": "lif"}
                ),
            },
        )
    run_commands(server, (["grant", "bob", PROJECT, "--level", "read"], None))
    yield server
    cleanup()


# Reported by the page itself: an init script runs outside the page's policy.
WATCH_POLICY = """window.violations = [];
document.addEventListener("securitypolicyviolation",
    (event) => window.violations.push(event.violatedDirective + " " + event.blockedURI));"""


@pytest.fixture
def bob(open_page):
    page = open_page("bob")
    page.add_init_script(WATCH_POLICY)
    page.console = []
    page.on("console", lambda message: page.console.append(message.text))
    return page


def no_violations(page) -> None:
    assert page.evaluate("window.violations") == []
    assert [text for text in page.console if "Content Security Policy" in text] == []


def test_the_scatter_plot_draws_every_record_and_a_point_opens_it(bob):
    response = bob.goto(PLOT + "?x=parameter:n&y=duration&colour=parameter:tau_m")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    points = bob.locator("svg.plot g.points a")
    expect(points).to_have_count(len(WITH_DURATION))
    expect(bob.locator("svg.plot g.points use[href='#shape-failed']")).to_have_count(len(FAILED))
    expect(bob.get_by_text(f"{len(RUNS)} records.")).to_be_visible()
    expect(bob.get_by_text("1 of them has no number for x or y")).to_be_visible()
    screenshot(bob, "plot-scatter")
    no_violations(bob)
    failed = RUNS[max(FAILED)]["label"]  # drawn last, on top of any other
    bob.locator(f'svg.plot g.points a[href$="/{failed}/"]').click()
    bob.wait_for_url(re.compile(rf"/records/{PROJECT}/{failed}/$"))
    assert f"Record {failed}" in bob.get_by_role("heading", level=1).inner_text()


def test_each_point_tells_its_values(bob):
    bob.goto(PLOT + "?x=parameter:n&y=duration")
    run = WITH_DURATION[0]
    title = bob.locator(f'svg.plot a[href$="/{run["label"]}/"] > title').text_content()
    assert title.startswith(f"{run['label']} · Finished · n = {run['n']} · duration = ")


def test_the_plot_of_a_search_on_the_project_page(bob):
    bob.goto(f"/records/{PROJECT}/?q=parameter:n+%3E%3D+400")
    bob.get_by_role("link", name="Plot", exact=True).click()
    bob.wait_for_url(re.compile(r"/plot/\?q="))
    expect(bob.get_by_text("Records matching parameter:n >= 400")).to_be_visible()
    expected = [run for run in WITH_DURATION if run["n"] >= 400]
    expect(bob.locator("svg.plot g.points a")).to_have_count(len(expected))


def test_choosing_what_to_plot(bob):
    bob.goto(PLOT)
    bob.get_by_label("Across (x)").select_option(label="seed")
    bob.get_by_label("Up (y)").select_option(label="tau_m")
    bob.get_by_label("Colour").select_option(label="Duration (s)")
    bob.get_by_role("button", name="Plot").click()
    bob.wait_for_url(re.compile(r"x=parameter%3Aseed"))
    expect(bob.locator("svg.plot g.points a")).to_have_count(len(RUNS))  # tau_m: all have one
    expect(bob.get_by_text("Colour: Duration (s)")).to_be_visible()


def test_the_parallel_coordinates_draw_a_line_per_record(bob):
    keys = ("parameter:n", "parameter:tau_m", "parameter:seed", "duration")
    axes = "&".join(f"axis={key}" for key in keys)
    bob.goto(PLOT + "?view=parallel&" + axes)
    assert bob.get_by_role("link", name="Parallel coordinates").get_attribute("aria-current")
    lines = bob.locator("svg.plot g.lines a polyline")
    expect(lines).to_have_count(len(WITH_DURATION))
    corners = lines.evaluate_all("lines => lines.map(line => line.getAttribute('points'))")
    assert all(len(points.split()) == 4 for points in corners)
    assert bob.get_by_role("checkbox", name="seed").is_checked()
    screenshot(bob, "plot-parallel")
    no_violations(bob)
    # A line is a link too: from the keyboard, for one.
    label = WITH_DURATION[3]["label"]
    bob.locator(f'svg.plot g.lines a[href$="/{label}/"]').focus()
    bob.keyboard.press("Enter")
    bob.wait_for_url(re.compile(rf"/records/{PROJECT}/{label}/$"))


def test_the_plot_pages_make_no_requests_elsewhere(bob, site):
    for url in (PLOT, PLOT + "?view=parallel", PLOT + "data/"):
        bob.goto(url)
    hosts = {urlsplit(url).netloc for url in bob.requests if not url.startswith("data:")}
    assert hosts == {urlsplit(site.url).netloc}
    no_violations(bob)


def test_the_plot_page_fits_a_phone_and_labels_every_control(open_page):
    page = open_page("bob", viewport=shared.PHONE)
    for view in ("scatter", "parallel"):
        page.goto(f"{PLOT}?view={view}")
        # The plot scrolls inside its frame; the page itself never sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= shared.PHONE["width"]
        assert page.evaluate(shared.UNLABELLED_CONTROLS) == []
        expect(page.locator("h1")).to_have_count(1)
