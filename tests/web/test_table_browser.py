"""The records table in a real browser (headless Chromium): parameter columns sorted by their
headings, the column chooser, the status marks and filter, and the cards on a phone.

The same tests save screenshots in docs/screenshots/ (see tests/web/test_browser.py).
"""

import json
import re

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

PROJECT = "sweep"
PHONE = {"width": 375, "height": 812}
RUNS = [
    # label, n, seed, tau_m, status tag, outcome
    ("20240601-090000", 400, 3, 10.0, "_finished_", "stable"),
    ("20240601-091000", 100, 1, 20.0, "_failed_", "diverged after 3 s"),
    ("20240601-092000", 200, 2, 5.0, "_running_", ""),
    ("20240601-093000", 800, 4, 10.0, "_killed_", ""),
    ("20240601-094000", 50, 5, 20.0, "_finished_", "stable, synchrony across the whole ring"),
]
BY_N = [run[0] for run in sorted(RUNS, key=lambda run: run[1])]


def run_document(label, n, seed, tau, status, outcome):
    values = {"n": n, "seed": seed, "tau_m": tau, "model": "lif", "sumatra_label": label}
    return {
        "timestamp": f"2024-06-01 {label[9:11]}:{label[11:13]}:00+0000",
        "reason": f"Sweep of the ring: n={n}, seed={seed}, tau_m={tau} ms, a long reason to wrap",
        "outcome": outcome,
        "duration": None if status == "_running_" else 12.5 * seed,
        "tags": [status, "sweep"],
        "parameters": {"type": "JSONParameterSet", "content": json.dumps(values)},
        "main_file": "experiments/ring/run_ring_network_simulation.py",
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A live server where alice owns the sweep project."""
    server, cleanup = start_server(tmp_path_factory.mktemp("table") / "root")
    run_commands(server, (["adduser", "--password-stdin", "alice"], PASSWORD + "\n"))
    create_project(server.url, PROJECT, "alice", "Ring sweep", "Five runs of a sweep")
    for run in RUNS:
        put_record(server.url, PROJECT, run[0], "alice", **run_document(*run))
    yield server
    cleanup()


def labels(page) -> list[str]:
    return page.locator("table.records tbody th").all_inner_texts()


def column_headings(page) -> list[str]:
    return [text.strip(" ▲▼") for text in page.locator("table.records thead th").all_inner_texts()]


def test_sorting_by_a_parameter_by_clicking_its_heading(open_page):
    page = open_page("alice")
    page.goto(f"/records/{PROJECT}/")
    heading = page.get_by_role("columnheader", name="n", exact=True)
    heading.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=parameter:n$"))
    assert labels(page) == BY_N
    assert heading.get_attribute("aria-sort") == "ascending"
    heading.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=-parameter:n$"))
    assert labels(page) == BY_N[::-1]
    assert heading.get_attribute("aria-sort") == "descending"


def test_choosing_columns_keeps_them_in_the_url(open_page):
    page = open_page("alice")
    page.goto(f"/records/{PROJECT}/")
    assert "sumatra_label" not in column_headings(page)
    assert "tau_m" in column_headings(page)
    page.get_by_text("Columns and order").click()
    page.get_by_label("tau_m", exact=True).uncheck()
    page.get_by_label("sumatra_label", exact=True).check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"columns=model,n,seed,sumatra_label"))
    shown = column_headings(page)
    assert "sumatra_label" in shown and "tau_m" not in shown
    page.get_by_role("columnheader", name="seed", exact=True).get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=parameter:seed"))
    assert "columns=model,n,seed,sumatra_label" in page.url
    assert column_headings(page) == shown
    assert labels(page) == [run[0] for run in sorted(RUNS, key=lambda run: run[2])]
    screenshot(page, "project-columns")


def test_the_status_shows_as_a_mark_and_a_word_and_filters(open_page):
    page = open_page("alice")
    page.goto(f"/records/{PROJECT}/")
    failed = page.locator("table.records tbody tr", has_text="20240601-091000")
    assert failed.locator("td.status").inner_text() == "✕ failed"
    colours = page.locator("td.status .status-mark").evaluate_all(
        "marks => marks.map(mark => getComputedStyle(mark).color)"
    )
    assert len(set(colours)) == 4  # finished, failed, running, killed
    filter_ = page.get_by_role("navigation", name="Filter by status")
    filter_.get_by_role("link", name=re.compile("killed")).click()
    page.wait_for_url(re.compile(r"status=killed"))
    assert labels(page) == ["20240601-093000"]


def test_a_phone_shows_one_card_per_record_without_sideways_scrolling(open_page):
    page = open_page("alice", viewport=PHONE)
    page.goto(f"/records/{PROJECT}/")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    region = page.get_by_role("region", name=re.compile("Records of"))
    assert region.evaluate("wrap => wrap.scrollWidth <= wrap.clientWidth")
    assert page.locator("table.records thead").is_hidden()
    card = page.locator("table.records tbody tr", has_text="20240601-094000")
    assert card.evaluate("row => getComputedStyle(row).display") == "flex"
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    for shown in ("20240601-094000", "finished", "2024-06-01 09:40:00", "stable, synchrony"):
        expect(card.get_by_text(shown, exact=False).first).to_be_visible()
    expect(card.locator('td[data-label="n"]')).to_be_visible()
    assert card.locator("td.tags").is_hidden()
    screenshot(page, "project-cards-phone")
    # No headings on a phone: the chooser's "Sort by" sorts instead.
    page.get_by_text("Columns and order").click()
    page.get_by_label("Sort by").select_option("-parameter:n")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"sort=-parameter%3An|sort=-parameter:n"))
    assert labels(page) == BY_N[::-1]
