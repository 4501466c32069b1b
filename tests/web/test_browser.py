"""The pages in a real browser (headless Chromium driven by Playwright) against a real server.

The same tests save the screenshots in docs/screenshots/ that the README shows.
"""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.support.server import run_commands, start_server
from tests.web.support import png_chart, push_packet, put_record

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PROJECT = "ring-network"
PAGES = [
    "/",
    f"/records/{PROJECT}/",
    f"/records/{PROJECT}/20240506-090000/",
    "/packets/",
    "/packets/model-fit/",
]
COMPARE = f"/projects/{PROJECT}/compare/?label=20240506-090000&label=20240506-100000"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

RUNS = [
    # label, hours after 09:00, n, tau, outcome, duration, tags
    ("20240506-090000", 0, 100, 10.0, "stable oscillation", 41.2, ["_finished_", "baseline"]),
    ("20240506-100000", 1, 100, 20.0, "stable oscillation", 44.9, ["_finished_"]),
    ("20240506-110000", 2, 200, 10.0, "stable, higher rate", 97.3, ["_finished_"]),
    ("20240506-120000", 3, 200, 5.0, "diverged after 3 s", 12.4, ["_failed_"]),
    ("20240506-130000", 4, 400, 10.0, "stable, synchrony", 211.0, ["_finished_", "paper"]),
    ("20240506-140000", 5, 400, 20.0, "", None, []),
]


def dependency(name, version):
    return {
        "name": name,
        "path": f"/opt/venv/lib/python3.11/site-packages/{name}",
        "version": version,
        "module": "python",
        "diff": "",
        "source": None,
    }


def run_document(label, hour, n, tau, outcome, duration, tags):
    return {
        "timestamp": f"2024-05-06 {9 + hour:02}:00:00+0000",
        "reason": f"Does the ring stay stable with n={n} neurons and tau={tau} ms?",
        "outcome": outcome,
        "duration": duration,
        "tags": tags,
        "parameters": {
            "type": "JSONParameterSet",
            "content": json.dumps({"n": n, "tau_m": tau, "seed": 4711, "model": "lif"}),
        },
        "main_file": "run_ring.py",
        "script_arguments": "<parameters>",
        "stdout_stderr": f"building ring of {n} neurons\nsimulating 5000 ms\n{outcome}\n",
        "dependencies": [
            dependency("numpy", "1.26.4" if hour < 4 else "2.0.1"),
            dependency("brian2", "2.6.0"),
        ],
        "output_data": [
            {
                "path": f"{label}/spikes.h5",
                "digest": f"{hour:x}3a47cb379df2a7008fdeb38c6172278d000fdc"[:40],
                "metadata": {"mimetype": "application/x-hdf", "size": 120000 * (hour + 1)},
                "creation": f"2024-05-06 {9 + hour:02}:01:00+0000",
            },
        ],
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A live server: alice owns ring-network (bob may read it), mallory has a private project,
    and two packet names with a dependency between them."""
    server, cleanup = start_server(tmp_path_factory.mktemp("browser") / "root")
    # The commands of a few `reprostore` runs, in one process each time (tests/core tests them).
    adduser = ["adduser", "--password-stdin"]
    run_commands(
        server, *[([*adduser, name], PASSWORD + "\n") for name in ("alice", "bob", "mallory")]
    )
    create_project(server.url, PROJECT, "alice", "Ring network", "A ring of LIF neurons: stable?")
    for run in RUNS:
        put_record(server.url, PROJECT, run[0], "alice", **run_document(*run))
    run_commands(
        server,
        (["grant", "bob", PROJECT, "--level", "read"], None),
        (["grant", "alice", "--packets", "admin"], None),
        (["grant", "bob", "--packets", "read"], None),
    )
    alice = ("alice", PASSWORD)
    create_project(server.url, "mallory-secret", "mallory", "Mallory's secret", "Not for alice")
    put_record(server.url, "mallory-secret", "hidden-run", "mallory")
    data = push_packet(
        server.url,
        "incoming-data",
        {"cases.csv": b"region,week,cases\nnorth,1,12\nnorth,2,15\nsouth,1,30\nsouth,2,26\n"},
        auth=alice,
        parameters={"year": 2024},
    )
    for tolerance, values in ((0.001, (3, 5, 2, 7, 4)), (0.01, (2, 6, 3, 5, 5))):
        push_packet(
            server.url,
            "model-fit",
            {"fit.csv": b"parameter,estimate\nbeta,0.31\ngamma,0.12\n",
             "plots/fit.png": png_chart(values), "log.txt": b"converged after 12 steps\n"},
            auth=alice,
            parameters={"tolerance": tolerance, "disease": "YF", "pull_data": True},
            depends=[(data, {"inputs/cases.csv": "cases.csv"})],
        )  # fmt: skip
    server.data_packet = data
    yield server
    cleanup()


def create_project(url, project, owner, name, description):
    response = requests.put(
        f"{url}/records/{project}/",
        data=json.dumps({"name": name, "description": description}),
        auth=(owner, PASSWORD),
        timeout=30,
    )
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, site):
    """A new browser tab in its own session; `open_page("alice")` logs alice in first.

    Every request the page makes is recorded, to check that none leaves the server.
    """
    contexts = []

    def open_as(user=None, viewport=LAPTOP):
        context = browser.new_context(viewport=viewport, base_url=site.url)
        contexts.append(context)
        page = context.new_page()
        page.requests = []
        page.on("request", lambda request: page.requests.append(request.url))
        if user:
            log_in(page, user)
        return page

    yield open_as
    for context in contexts:
        context.close()


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))
    expect(page.get_by_text(f"Signed in as {user}")).to_be_visible()


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_logging_in_shows_my_projects(open_page):
    page = open_page("alice")
    projects = page.get_by_role("region", name="Projects")
    expect(projects.get_by_role("link", name="Ring network")).to_be_visible()
    expect(projects.get_by_role("cell", name="6", exact=True)).to_be_visible()
    screenshot(page, "projects")


def test_another_users_private_project_is_neither_shown_nor_linked(open_page, site):
    page = open_page("alice")
    expect(page.get_by_text("Mallory's secret")).to_have_count(0)
    expect(page.locator('a[href*="mallory-secret"]')).to_have_count(0)
    page.goto("/records/mallory-secret/")
    assert page.get_by_role("heading", level=1).inner_text() == "Not found"
    expect(page.get_by_text("hidden-run")).to_have_count(0)
    page = open_page("mallory")
    expect(page.get_by_role("link", name="Mallory's secret")).to_be_visible()
    expect(page.get_by_role("link", name="Ring network")).to_have_count(0)


def test_anonymous_visitors_are_asked_to_log_in(open_page):
    page = open_page()
    page.goto(f"/records/{PROJECT}/")
    assert urlsplit(page.url).path == "/accounts/login/"
    log_in_after_redirect = page.get_by_label("User name")
    expect(log_in_after_redirect).to_be_visible()


def test_the_records_table_sorts_and_filters_on_the_server(open_page):
    page = open_page("bob")
    page.get_by_role("link", name="Ring network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ring network")
    rows = page.locator("table.records tbody tr")
    expect(rows).to_have_count(6)
    screenshot(page, "project")
    page.get_by_role("link", name="Duration").click()
    page.wait_for_url(re.compile(r"sort=-duration"))
    assert rows.first.locator("th").inner_text() == "20240506-130000"
    page.get_by_role("navigation", name="Filter by tag").get_by_role("link", name="paper").click()
    page.wait_for_url(re.compile(r"tags=paper"))
    expect(rows).to_have_count(1)


def test_searching_with_a_query(open_page):
    page = open_page("alice")
    page.goto(f"/records/{PROJECT}/")
    page.get_by_label("Search records").fill("parameter:n >= 200 && parameter:tau_m == 10")
    page.get_by_label("Search records").press("Enter")
    page.wait_for_url(re.compile(r"q="))
    labels = page.locator("table.records tbody th").all_inner_texts()
    assert labels == ["20240506-130000", "20240506-110000"]
    screenshot(page, "search")


def test_opening_a_record(open_page):
    page = open_page("alice")
    page.goto(f"/records/{PROJECT}/")
    page.get_by_role("link", name="20240506-110000").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Record 20240506-110000")
    parameters = page.get_by_role("region", name="Parameters")
    expect(parameters.get_by_role("row", name="n 200 number")).to_be_visible()
    expect(page.get_by_text("20240506-110000/spikes.h5")).to_be_visible()
    expect(page.get_by_text("stable, higher rate").first).to_be_visible()
    screenshot(page, "record")


def test_comparing_two_records(open_page):
    page = open_page("alice")
    page.goto(f"/records/{PROJECT}/")
    compare = page.get_by_role("button", name="Compare selected")
    assert compare.is_disabled()
    page.get_by_label("Compare 20240506-090000").check()
    page.get_by_label("Compare 20240506-130000").check()
    expect(page.get_by_text("2 ticked.")).to_be_visible()
    compare.click()
    page.wait_for_url(re.compile(r"/projects/ring-network/compare/"))
    differing = page.locator("table.compare tr.differs th[scope=row]").all_inner_texts()
    for name in ("Outcome", "n", "numpy"):
        assert any(text.endswith(name) for text in differing), (name, differing)
    same = page.locator("table.compare tr:not(.differs) th[scope=row]").all_inner_texts()
    assert "seed" in same and "brian2" in same
    screenshot(page, "compare")


def test_browsing_a_packet_and_downloading_a_file(open_page, site):
    page = open_page("bob")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Packets").click()
    screenshot(page, "packets")
    page.get_by_role("link", name="model-fit").click()
    page.locator("table tbody th a").first.click()
    expect(page.get_by_role("heading", level=2, name="Files")).to_be_visible()
    uses = page.get_by_role("region", name="Uses")  # the lineage graph links it too
    expect(uses.get_by_role("link", name=re.compile("incoming-data"))).to_be_visible()
    screenshot(page, "packet")
    with page.expect_download() as download_info:
        page.get_by_label("Download fit.csv").click()
    download = download_info.value
    assert download.suggested_filename == "fit.csv"
    assert Path(download.path()).read_bytes() == b"parameter,estimate\nbeta,0.31\ngamma,0.12\n"
    page.get_by_label("Preview plots/fit.png").click()
    # Wait for the preview's image to arrive: on a busy machine the check ran before it had.
    page.wait_for_function(
        "() => { const img = document.querySelector('main img'); return img && img.complete }"
    )
    image = page.get_by_role("img")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 240
    screenshot(page, "packet-file")
    page.goto(f"/packets/incoming-data/{site.data_packet}/")
    used_by = page.get_by_role("region", name="Used by").get_by_role("link")
    expect(used_by).to_have_count(2)


def test_the_pages_make_no_requests_elsewhere(open_page, site):
    page = open_page("alice")
    for url in PAGES:
        page.goto(url)
    hosts = {urlsplit(url).netloc for url in page.requests if not url.startswith("data:")}
    assert hosts == {urlsplit(site.url).netloc}


def test_the_project_page_fits_a_phone(open_page):
    page = open_page("alice", viewport=PHONE)
    page.goto(f"/records/{PROJECT}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "project-phone")
    page.goto(f"/records/{PROJECT}/20240506-110000/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "record-phone")


def test_the_keyboard_reaches_the_content_first(open_page):
    page = open_page("alice")
    page.goto(f"/records/{PROJECT}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')).filter(el =>
    !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
    && !el.textContent.trim()).map(el => el.outerHTML)"""


def test_every_control_has_a_label_and_every_page_one_h1(open_page, site):
    page = open_page("alice")
    access_pages = ["/permissions/packets/", "/account/tokens/", "/packit/device"]
    for url in PAGES + [f"/records/{PROJECT}/permissions/", COMPARE, *access_pages]:
        page.goto(url)
        assert page.evaluate(UNLABELLED_CONTROLS) == [], url
        expect(page.locator("h1"), url).to_have_count(1)
        expect(page.locator("img:not([alt])"), url).to_have_count(0)


def test_no_page_breaks_its_content_security_policy(open_page, site):
    """Every page works under the policy (no inline script or style; issue 11, item 5)."""
    page = open_page("alice")
    violations = []
    page.on("console", lambda message: violations.append(message.text))
    for url in PAGES + [f"/records/{PROJECT}/permissions/", COMPARE, "/admin/"]:
        response = page.goto(url)
        assert "script-src 'self'" in response.headers["content-security-policy"], url
    compare = open_page("alice")
    compare.on("console", lambda message: violations.append(message.text))
    compare.goto(f"/records/{PROJECT}/")
    compare.get_by_label("Compare 20240506-090000").check()
    expect(compare.get_by_text("1 ticked; tick one more.")).to_be_visible()  # app.js ran
    assert [text for text in violations if "Content Security Policy" in text] == []
