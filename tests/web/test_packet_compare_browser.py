"""Comparing packets in a real browser (headless Chromium), on a live server holding the demo:
tick two packets on a list, compare, and read what differs."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.server import run_commands, start_server
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, LAPTOP

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A live server on a store filled by `reprostore demo`."""
    server, cleanup = start_server(tmp_path_factory.mktemp("demo-browser") / "root")
    run_commands(server, (["demo"], None))
    yield server
    cleanup()


@pytest.fixture(scope="module")
def page(site):
    """A tab signed in as the demo's user, recording what the console says."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport=LAPTOP, base_url=site.url)
        tab = context.new_page()
        tab.console_messages = []
        tab.on("console", lambda message: tab.console_messages.append(message.text))
        tab.goto("/accounts/login/")
        tab.get_by_label("User name").fill("testuser")
        tab.get_by_label("Password").fill("abc123")
        tab.get_by_role("button", name="Log in").click()
        tab.wait_for_url(re.compile(r".*/$"))
        yield tab
        chromium.close()


def test_ticking_two_packets_compares_their_parameters_and_files(page):
    page.goto("/packets/")
    page.get_by_role("link", name="model-fit").click()
    compare = page.get_by_role("button", name="Compare selected")
    assert compare.is_disabled()
    expect(page.get_by_text("Tick two or more packets.")).to_be_visible()
    boxes = page.get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    ids = [boxes.nth(i).get_attribute("value") for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    expect(page.get_by_text("2 ticked.")).to_be_visible()
    compare.click()
    page.wait_for_url(re.compile(r"/compare/packets/\?id="))
    assert page.get_by_role("heading", level=1).inner_text() == "Compare 2 packets"
    columns = page.locator("table.compare").first.locator("thead th").all_inner_texts()
    assert [text.split()[-1] for text in columns] == ids

    parameters = page.get_by_role("region", name=re.compile("^Parameters"))
    differing = parameters.locator("tr.differs th[scope=row]").all_inner_texts()
    assert sorted(text.split()[-1] for text in differing) == ["chains", "tolerance"]
    files = page.get_by_role("region", name=re.compile("^Files"))
    changed = files.locator("tr.differs th[scope=row]").all_inner_texts()
    assert any(text.startswith("≠") and "fit.csv" in text and "changed" in text for text in changed)
    same = files.locator("tr:not(.differs) th[scope=row]").all_inner_texts()
    assert any("priors.json" in text and "same" in text for text in same)
    expect(files.locator("tr.artefact")).to_have_count(2)  # fit.csv and plots/fit.png
    assert not [text for text in page.console_messages if "Content Security Policy" in text]


def test_only_the_differences_hides_the_same_files(page):
    page.goto("/packets/model-fit/")
    page.get_by_role("checkbox").nth(0).check()
    page.get_by_role("checkbox").nth(2).check()
    page.get_by_role("button", name="Compare selected").click()
    page.wait_for_url(re.compile(r"/compare/packets/"))
    page.get_by_role("link", name="Show only the differences").click()
    page.wait_for_url(re.compile(r"show=differences"))
    files = page.get_by_role("region", name=re.compile("^Files"))
    expect(files.get_by_text("priors.json")).to_have_count(0)
    expect(files.get_by_text("fit.csv", exact=True)).to_have_count(1)
