"""The forgiving search and the coloured diffs in headless Chromium, against a real server."""

import difflib
import json
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.support.server import run_commands, start_server
from tests.web import test_browser as shared
from tests.web.support import put_record
from tests.web.test_browser import LAPTOP, create_project, screenshot

# The browser and its tabs, as test_browser.py makes them; a tab's `site` is this module's.
browser, open_page = shared.browser, shared.open_page

pytestmark = pytest.mark.browser

PROJECT = "seed-sweep"
SOURCE = [f"tau = {value}" if value == 10 else f"line {value}" for value in range(1, 21)]
RUNS = [
    # label, seed, n, tags, the line that replaces `tau = 10`
    ("20240506-090000", 1, 100, ["_finished_", "baseline"], None),
    ("20240506-100000", 3, 100, ["_finished_"], "tau = 20"),
    ("20240506-110000", 3, 400, ["_finished_"], "tau = 30"),
    ("20240506-120000", 4, 400, ["_failed_"], None),
]


def git_diff(new_line: str) -> str:
    after = [new_line if line == "tau = 10" else line for line in SOURCE]
    body = difflib.unified_diff(SOURCE, after, "a/model.py", "b/model.py", lineterm="")
    return "\n".join(["diff --git a/model.py b/model.py", *body]) + "\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """alice's sweep over seed and n; two runs had uncommitted one-line edits."""
    server, cleanup = start_server(tmp_path_factory.mktemp("search-browser") / "root")
    run_commands(server, (["adduser", "--password-stdin", "alice"], PASSWORD + "\n"))
    create_project(server.url, PROJECT, "alice", "Seed sweep", "Does the seed matter?")
    for hour, (label, seed, n, tags, edit) in enumerate(RUNS):
        put_record(
            server.url,
            PROJECT,
            label,
            "alice",
            timestamp=f"2024-05-06 {9 + hour:02}:00:00+0000",
            parameters={"type": "JSONParameterSet", "content": json.dumps({"seed": seed, "n": n})},
            reason=f"seed {seed} with {n} neurons",
            tags=tags,
            diff=git_diff(edit) if edit else "",
        )
    yield server
    cleanup()


@pytest.fixture
def alice(open_page):
    """alice's tab, recording every console message (the CSP reports its violations there)."""
    page = open_page("alice")
    page.console = []
    page.on("console", lambda message: page.console.append(message.text))
    return page


def csp_violations(page) -> list[str]:
    return [text for text in page.console if "Content Security Policy" in text]


def labels(page) -> list[str]:
    return sorted(page.locator("table.records tbody th").all_inner_texts())


def test_typing_seed_3_finds_the_right_records_and_shows_the_rewritten_query(alice):
    alice.goto(f"/records/{PROJECT}/")
    box = alice.get_by_label("Search records")
    box.fill("seed=3")
    box.press("Enter")
    alice.wait_for_url(re.compile(r"q=seed"))
    assert labels(alice) == ["20240506-100000", "20240506-110000"]
    searched = alice.get_by_role("status").filter(has_text="Searched for")
    assert searched.inner_text() == "Searched for parameter:seed == 3."
    pill = alice.get_by_role("link", name="all records")
    assert pill.get_attribute("aria-current") is None
    screenshot(alice, "search-shorthand")
    pill.click()
    assert len(labels(alice)) == 4
    assert pill.get_attribute("aria-current") == "true"
    assert csp_violations(alice) == []


def test_suggestions_appear_while_typing_and_fill_in_a_name(alice):
    alice.goto(f"/records/{PROJECT}/")
    box = alice.get_by_label("Search records")
    box.press_sequentially("se", delay=50)
    suggestions = alice.get_by_role("listbox", name="Suggestions")
    suggestions.wait_for()
    options = suggestions.get_by_role("option").all_inner_texts()
    assert options == ["seed\nparameter", "baseline\ntag"]  # names containing "se"
    assert box.get_attribute("aria-expanded") == "true"
    area = alice.locator("form.search").bounding_box()
    area["height"] += 60  # the list hangs below the form
    alice.screenshot(path=shared.SCREENSHOTS / "search-suggestions.png", clip=area)
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "q-suggestions-0"
    box.press("Enter")  # picks the highlighted name rather than searching
    assert box.input_value() == "seed"
    assert suggestions.is_hidden()
    box.press_sequentially(">2 #ba", delay=50)
    suggestions.get_by_role("option", name="baseline tag").click()
    assert box.input_value() == "seed>2 #baseline "
    box.press("Enter")
    alice.wait_for_url(re.compile(r"q=seed"))
    assert labels(alice) == []
    assert 'parameter:seed > 2 && tag == "baseline"' in alice.locator(".searched-for").inner_text()
    assert csp_violations(alice) == []


def test_a_search_that_cannot_be_read_shows_where_and_a_fix(alice):
    alice.goto(f"/records/{PROJECT}/")
    box = alice.get_by_label("Search records")
    box.fill("(seed=3 || n>200")
    box.press("Enter")
    alert = alice.get_by_role("alert")
    assert "could not be read at column 1: This `(` is never closed." in alert.inner_text()
    assert alice.locator("pre.search-caret").inner_text() == "(seed=3 || n>200\n^"
    alert.get_by_role("link", name="(parameter:seed == 3 || parameter:n > 200)").click()
    alice.wait_for_url(re.compile(r"q=%28parameter"))
    assert labels(alice) == ["20240506-100000", "20240506-110000", "20240506-120000"]


def test_the_search_works_without_javascript(browser, site):
    context = browser.new_context(viewport=LAPTOP, base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/records/{PROJECT}/")
    page.get_by_label("Search records").fill("seed=3 n>200")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=seed"))
    assert labels(page) == ["20240506-110000"]
    expect(page.get_by_role("listbox")).to_have_count(0)
    context.close()


COLOURS = """el => getComputedStyle(el).backgroundColor"""


def test_the_record_page_shows_a_coloured_diff(alice):
    alice.goto(f"/records/{PROJECT}/20240506-100000/")
    diff = alice.get_by_role("region", name="Diff")
    assert "1 changed line in model.py" in diff.inner_text()
    added = diff.locator("pre .diff-added")
    removed = diff.locator("pre .diff-removed")
    assert (added.inner_text(), removed.inner_text()) == ("+tau = 20", "-tau = 10")
    added_colour, removed_colour = added.evaluate(COLOURS), removed.evaluate(COLOURS)
    context_colour = diff.locator("pre .diff-context").first.evaluate(COLOURS)
    assert len({added_colour, removed_colour, context_colour}) == 3
    assert "rgba(0, 0, 0, 0)" not in (added_colour, removed_colour)
    # One line each, as wide as the box, with no blank lines between; the text is the diff's.
    line_height = added.bounding_box()["height"]
    assert removed.bounding_box()["y"] + line_height == pytest.approx(added.bounding_box()["y"])
    assert added.bounding_box()["width"] == removed.bounding_box()["width"]
    assert diff.locator("pre").inner_text().rstrip("\n") == git_diff("tau = 20").rstrip("\n")
    diff.screenshot(path=shared.SCREENSHOTS / "record-diff.png")
    assert csp_violations(alice) == []


def test_compare_shows_the_two_diffs_side_by_side(alice):
    labels_ = "label=20240506-100000&label=20240506-110000"
    alice.goto(f"/projects/{PROJECT}/compare/?{labels_}")
    row = alice.locator("table.compare tr", has_text="Uncommitted changes")
    assert row.locator("td").all_inner_texts() == ["1 changed line in model.py"] * 2
    assert "differs" in row.get_attribute("class")
    columns = alice.locator(".diff-column")
    expect(columns).to_have_count(2)
    first, second = (columns.nth(i).bounding_box() for i in range(2))
    assert second["x"] > first["x"] + first["width"] - 1 and second["y"] == first["y"]
    assert columns.nth(0).locator(".diff-added").inner_text() == "+tau = 20"
    assert columns.nth(1).locator(".diff-added").inner_text() == "+tau = 30"
    alice.get_by_text("How the two diffs differ").click()
    between = alice.locator(".diff-between pre")
    assert "-+tau = 20" in between.locator(".diff-removed").all_inner_texts()
    columns.first.scroll_into_view_if_needed()
    screenshot(alice, "compare-diffs")
    assert csp_violations(alice) == []
