"""The README's screenshots of the demo store: `python scripts/screenshots.py`.

Loads `reprostore demo` into a fresh store in a temporary directory, serves it on 127.0.0.1
(SQLite), signs in as the demo's user in headless Chromium (Debian's `chromium`, driven by
Playwright) and saves each page below as docs/screenshots/demo-<name>.png. The demo's labels and
packet ids are fixed, so the pages are the same on every run.
"""

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the live-server helpers of tests/support, as the benchmarks do

from reprostore.records.demo_sweep import PROJECT, sweep  # noqa: E402
from tests.support.server import LiveServer, reprostore  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TALLEST = 2000  # px: a longer page is cut there
TICKED = {"packets": 2}  # pages shown with their first checkboxes ticked, ready to compare


def demo_pages(root: Path) -> list[tuple[str, str, dict]]:
    """(name, path, viewport) of each screenshot."""
    records = [saves[-1] for saves in sweep()]
    with_diff = next(r["label"] for r in records if r["diff"] and "_finished_" in r["tags"])
    runs = [r for r in records if r["main_file"] == "run_ring.py" and "paper" in r["tags"]]
    packets = {}
    for path in sorted((root / ".outpack" / "metadata").iterdir()):
        packets.setdefault(json.loads(path.read_bytes())["name"], []).append(path.name)
    fits = packets["model-fit"]
    return [
        ("home", "/", LAPTOP),
        ("project", f"/records/{PROJECT}/?columns=n,dt,seed,tau_m", LAPTOP),
        (
            "plot",
            f"/projects/{PROJECT}/plot/?x=parameter:n&y=duration&colour=status"
            f"&q={quote('parameter:dt > 0')}",  # the simulations, not the builds
            LAPTOP,
        ),
        (
            "plot-parallel",
            f"/projects/{PROJECT}/plot/?view=parallel&axis=parameter:n&axis=parameter:dt"
            "&axis=parameter:seed&axis=duration",
            LAPTOP,
        ),
        ("record", f"/records/{PROJECT}/{with_diff}/", LAPTOP),
        (
            "compare",
            f"/projects/{PROJECT}/compare/?label={runs[0]['label']}&label={runs[-1]['label']}",
            LAPTOP,
        ),
        ("packets", "/packets/model-fit/", LAPTOP),
        ("packet", f"/packets/model-fit/{fits[-1]}/", LAPTOP),
        ("packet-compare", f"/compare/packets/?id={fits[1]}&id={fits[2]}", LAPTOP),
        ("project-phone", f"/records/{PROJECT}/?columns=n,dt,seed", PHONE),
        ("packet-phone", f"/packets/report/{packets['report'][0]}/", PHONE),
    ]


def take(base_url: str, out: Path, pages, login: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for viewport in (LAPTOP, PHONE):
            context = chromium.new_context(viewport=viewport, base_url=base_url)
            tab = context.new_page()
            tab.goto("/accounts/login/")
            tab.get_by_label("User name").fill(login[0])
            tab.get_by_label("Password").fill(login[1])
            tab.get_by_role("button", name="Log in").click()
            tab.wait_for_load_state()
            for name, path, wanted in pages:
                if wanted is not viewport:
                    continue
                response = tab.goto(path)
                if response.status != 200:
                    raise SystemExit(f"{path} answered {response.status}")
                tab.wait_for_load_state("networkidle")
                for number in range(TICKED.get(name, 0)):
                    tab.get_by_role("checkbox").nth(number).check()
                height = tab.evaluate("document.documentElement.scrollHeight")
                clip = {"x": 0, "y": 0, "width": viewport["width"], "height": min(height, TALLEST)}
                tab.screenshot(path=out / f"demo-{name}.png", full_page=True, clip=clip)
                print(f"demo-{name}.png  {path}")
            context.close()
        chromium.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=REPO / "docs" / "screenshots", help="where to save them"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "store"
        said = reprostore("demo", str(root), root=root, database_url=None).stdout
        login = re.search(r"Log in as '([^']+)' with the password '([^']+)'", said).groups()
        server = LiveServer(root, None, workers=1)
        try:
            take(server.url, args.out, demo_pages(root), login)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
