"""The lineage graph and record editing in a real browser (headless Chromium, Playwright) against
a real server, as tests/web/test_browser.py does; saves the graph's screenshots in
docs/screenshots/.
"""

import re
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.support.server import run_commands, start_server
from tests.web import test_browser as shared
from tests.web.support import push_packet, put_record

pytestmark = pytest.mark.browser
# The browser and a tab per user, exactly as the other browser tests have them.
browser, open_page = shared.browser, shared.open_page
PHONE, SCREENSHOTS, create_project = shared.PHONE, shared.SCREENSHOTS, shared.create_project

PROJECT = "pipeline"
ALICE = ("alice", PASSWORD)


def data(path, digest):
    return {"path": path, "digest": digest, "metadata": {"size": 2048}, "creation": None}


CLEAN, FIT, FIGURE, SUMMARY = (data(name, char * 40) for name, char in
                               (("clean.csv", "a"), ("fit.h5", "b"), ("fit.png", "c"),
                                ("summary.txt", "d")))  # fmt: skip
# label, hour, what it read, what it wrote: each reads files an earlier one wrote.
STEPS = [
    ("prepare", 7, [], [CLEAN]),
    ("fit", 8, [CLEAN], [FIT]),
    ("plot", 9, [FIT], [FIGURE]),
    ("summary", 10, [FIT], [SUMMARY]),
    ("paper", 11, [FIGURE, SUMMARY], []),
    ("scratch", 12, [], []),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """alice owns `pipeline` (bob may read it) and the packets: incoming-data, two model fits
    of it, a report using both and slides using the report."""
    server, cleanup = start_server(tmp_path_factory.mktemp("lineage") / "root")
    adduser = ["adduser", "--password-stdin"]
    run_commands(server, *[([*adduser, name], PASSWORD + "\n") for name in ("alice", "bob")])
    create_project(server.url, PROJECT, "alice", "Pipeline", "Cleaning, fitting, plotting")
    for label, hour, inputs, outputs in STEPS:
        put_record(server.url, PROJECT, label, "alice", input_data=inputs, output_data=outputs,
                   timestamp=f"2024-05-06 {hour:02}:00:00+0000", tags=["_finished_"],
                   outcome=f"{label} done")  # fmt: skip
    run_commands(
        server,
        (["grant", "bob", PROJECT, "--level", "read"], None),
        (["grant", "alice", "--packets", "admin"], None),
        (["grant", "bob", "--packets", "read"], None),
    )
    server.data = push_packet(server.url, "incoming-data", {"cases.csv": b"week,cases\n1,12\n"},
                              auth=ALICE)  # fmt: skip
    server.fits = [
        push_packet(server.url, "model-fit", {"fit.csv": f"beta,{beta}\n".encode()}, auth=ALICE,
                    parameters={"beta": beta}, depends=[(server.data, {"cases.csv": "cases.csv"})])
        for beta in (0.3, 0.4)
    ]  # fmt: skip
    server.report = push_packet(server.url, "report", {"report.html": b"<p>fits</p>"}, auth=ALICE,
                                depends=[(fit, {}) for fit in server.fits])  # fmt: skip
    server.slides = push_packet(server.url, "slides", {"slides.pdf": b"%PDF-1.4"}, auth=ALICE,
                                depends=[(server.report, {})])  # fmt: skip
    yield server
    cleanup()


def graph_links(page, layout="wide") -> list[str]:
    links = page.locator(f"svg.lineage-{layout} a.lineage-node")
    return sorted(urlsplit(href).path for href in links.evaluate_all(
        "links => links.map(link => link.href.baseVal || link.getAttribute('href'))"))  # fmt: skip


def watch_console(page) -> list[str]:
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    return messages


def test_the_packet_graph_shows_both_ways_and_its_nodes_open_their_pages(open_page, site):
    page = open_page("bob")
    console = watch_console(page)
    fit = site.fits[0]
    page.goto(f"/packets/model-fit/{fit}/")
    figure = page.locator(".lineage-figure")
    expect(page.locator("svg.lineage-wide")).to_be_visible()
    expect(page.locator("svg.lineage-tall")).to_be_hidden()
    assert graph_links(page) == sorted([
        f"/packets/incoming-data/{site.data}/", f"/packets/model-fit/{fit}/",
        f"/packets/report/{site.report}/", f"/packets/slides/{site.slides}/",
    ])  # fmt: skip
    assert "1 packet upstream (within 2 levels) and 2 downstream" in figure.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("section.lineage").screenshot(path=SCREENSHOTS / "lineage-packet.png")
    page.locator(f'svg.lineage-wide a[href="/packets/incoming-data/{site.data}/"]').click()
    page.wait_for_url(f"**/packets/incoming-data/{site.data}/")
    assert "incoming-data" in page.get_by_role("heading", level=1).inner_text()
    # From the data: both fits, the report (two steps) and the slides (three, not shown).
    assert graph_links(page) == sorted([
        f"/packets/incoming-data/{site.data}/", *(f"/packets/model-fit/{f}/" for f in site.fits),
        f"/packets/report/{site.report}/",
    ])  # fmt: skip
    assert [text for text in console if "Content Security Policy" in text] == []
    hosts = {urlsplit(url).netloc for url in page.requests if not url.startswith("data:")}
    assert hosts == {urlsplit(site.url).netloc}


def test_the_record_graph_follows_digests_and_its_nodes_open_their_pages(open_page, site):
    page = open_page("bob")
    console = watch_console(page)
    page.goto(f"/records/{PROJECT}/fit/")
    assert graph_links(page) == [f"/records/{PROJECT}/{label}/" for label in
                                 ("fit", "paper", "plot", "prepare", "summary")]  # fmt: skip
    subject = page.locator("svg.lineage-wide a.lineage-node.subject")
    assert subject.get_attribute("aria-current") == "page"
    assert subject.locator("title").text_content() == "fit"
    page.locator("section.lineage").screenshot(path=SCREENSHOTS / "lineage-record.png")
    page.get_by_label("Levels down").select_option("1")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"up=2&down=1#lineage$"))
    assert f"/records/{PROJECT}/paper/" not in graph_links(page)
    page.locator(f'svg.lineage-wide a[href="/records/{PROJECT}/plot/"]').click()
    page.wait_for_url(f"**/records/{PROJECT}/plot/")
    assert page.get_by_role("heading", level=1).inner_text() == "Record plot"
    assert [text for text in console if "Content Security Policy" in text] == []


def test_on_a_phone_the_graph_runs_top_down_and_fits(open_page, site):
    page = open_page("bob", viewport=PHONE)
    for url, name in ((f"/records/{PROJECT}/fit/", "lineage-record-phone"),
                      (f"/packets/model-fit/{site.fits[0]}/", "lineage-packet-phone")):  # fmt: skip
        page.goto(url)
        tall = page.locator("svg.lineage-tall")
        expect(tall).to_be_visible()
        expect(page.locator("svg.lineage-wide")).to_be_hidden()
        box = tall.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        label = tall.locator("text.lineage-label").first.bounding_box()
        assert label["height"] >= 11  # 12px text, scaled by less than a tenth at most
        page.locator("section.lineage").screenshot(path=SCREENSHOTS / f"{name}.png")
    page.locator(f'svg.lineage-tall a[href="/packets/report/{site.report}/"]').click()
    page.wait_for_url(f"**/packets/report/{site.report}/")


@pytest.fixture
def api(site):
    """The record's document from the Sumatra JSON API, as `smt` would read it."""

    def get(label, user=ALICE) -> requests.Response:
        url = f"{site.url}/records/{PROJECT}/{label}/"
        return requests.get(url, auth=user, headers={"Accept": "application/json"}, timeout=30)

    return get


def test_editing_a_record_on_its_page_shows_in_the_api_and_the_history(open_page, api):
    page = open_page("alice")
    page.goto(f"/records/{PROJECT}/summary/")
    assert page.evaluate(shared.UNLABELLED_CONTROLS) == []
    page.get_by_role("link", name="Edit", exact=True).click()
    page.locator("section:has(#edit)").screenshot(path=SCREENSHOTS / "record-edit.png")
    page.get_by_label("Outcome").fill("superseded by the paper run")
    page.get_by_label("Tags").fill("checked\nreviewed")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(f"/records/{PROJECT}/summary/$"))
    expect(page.get_by_text("Saved: outcome, tags changed.")).to_be_visible()
    document = api("summary").json()
    assert document["outcome"] == "superseded by the paper run"
    assert document["tags"] == ["_finished_", "checked", "reviewed"]
    last = page.get_by_role("region", name="History").locator("tbody tr").last
    assert "edit on the record page" in last.inner_text()
    assert "alice" in last.inner_text() and "outcome, tags" in last.inner_text()
    page.get_by_label("Tags").fill("reviewed")  # the form shows the saved tags: remove one
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(f"/records/{PROJECT}/summary/$"))
    assert api("summary").json()["tags"] == ["_finished_", "reviewed"]


def test_tagging_several_records_from_the_project_table(open_page, api):
    page = open_page("alice")
    page.goto(f"/records/{PROJECT}/")
    page.get_by_label("Compare prepare").check()
    page.get_by_label("Compare plot").check()
    page.get_by_role("button", name="Tag selected…").click()
    page.wait_for_url(re.compile(r"/projects/pipeline/tags/\?label="))
    assert page.get_by_role("heading", level=1).inner_text() == "Tag 2 records"
    assert page.evaluate(shared.UNLABELLED_CONTROLS) == []
    page.get_by_label("Add tags").fill("pipeline-v1")
    page.get_by_role("button", name="Change tags").click()
    page.wait_for_url(re.compile(f"/records/{PROJECT}/$"))
    expect(page.get_by_text("Changed the tags of 2 records.")).to_be_visible()
    for label, tagged in (("prepare", True), ("plot", True), ("fit", False)):
        assert ("pipeline-v1" in api(label).json()["tags"]) is tagged


def test_deleting_a_record_from_its_page(open_page, api):
    page = open_page("alice")
    page.goto(f"/records/{PROJECT}/scratch/")
    page.get_by_label("Delete record scratch").check()
    page.get_by_role("button", name="Delete record").click()
    page.wait_for_url(re.compile(f"/records/{PROJECT}/$"))
    expect(page.get_by_text("Deleted record scratch; its history is kept.")).to_be_visible()
    assert api("scratch").status_code == 404


def test_a_reader_gets_no_forms_and_a_forged_post_is_refused(open_page, site, api):
    page = open_page("bob")
    page.goto(f"/records/{PROJECT}/fit/")
    expect(page.get_by_role("heading", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    page.goto(f"/records/{PROJECT}/")
    expect(page.get_by_role("button", name="Tag selected…")).to_have_count(0)
    # bob's own session, with a valid CSRF token, still may not write.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"/projects/{PROJECT}/records/fit/edit/",
        form={"csrfmiddlewaretoken": token, "outcome": "vandalised", "tags": ""},
        headers={"Referer": f"{site.url}/records/{PROJECT}/fit/"},
    )
    assert response.status == 404
    assert api("fit", user=("bob", PASSWORD)).json()["outcome"] == "fit done"
