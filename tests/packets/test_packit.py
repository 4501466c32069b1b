"""pyorderly 0.2.1's `packit` location, unmodified, against a default live server at
`http://host/packit/`: with a token (`reprostore token`), and with no token through the device
login (RFC 8628), approved by a person in headless Chromium on the verification page.

The device flow runs pyorderly in a subprocess, as a person runs it in a terminal: it prints the
verification URL and the code, then polls until the sign-in is approved, denied or expired.
"""

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pyorderly.outpack.init import outpack_init
from pyorderly.outpack.location import outpack_location_add
from pyorderly.outpack.location_pull import (
    outpack_location_pull_metadata,
    outpack_location_pull_packet,
)
from pyorderly.outpack.location_push import outpack_location_push
from pyorderly.outpack.root import root_open
from pyorderly.run import orderly_run

from tests.conftest import PASSWORD
from tests.support.server import start_server

from .test_pyorderly import make_orderly_root

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PROMPT = re.compile(r"Visit (\S+) and enter the code <([A-Z]{4}-[A-Z]{4})>")

# What a person runs in a terminal: push a new packet to a packit location that has no token,
# then pull the location's metadata. pyorderly logs in once, on the first request.
DEVICE_SESSION = """
import sys
from pyorderly.outpack.location import outpack_location_add
from pyorderly.outpack.location_pull import outpack_location_pull_metadata
from pyorderly.outpack.location_push import outpack_location_push
from pyorderly.run import orderly_run
from tests.packets.test_pyorderly import make_orderly_root

source, url = sys.argv[1], sys.argv[2]
root = make_orderly_root(__import__("pathlib").Path(source), use_file_store=True, path_archive=None)
packet_id = orderly_run("data", root=root)
outpack_location_add("server", "packit", {"url": url}, root=root)
outpack_location_push(packet_id, "server", root=root)
outpack_location_pull_metadata(root=root)
print("pushed", packet_id, flush=True)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Poll every second (pyorderly sleeps `interval` between polls) to keep the test short.
    server, cleanup = start_server(
        tmp_path_factory.mktemp("packit") / "root",
        extra_env={"REPROSTORE_DEVICE_POLL_SECONDS": "1"},
    )
    server.command("adduser", "carol", "--password-stdin", input=PASSWORD + "\n")
    server.command("adduser", "mallory", "--password-stdin", input=PASSWORD + "\n")
    server.command("grant", "carol", "--packets", "write")
    yield server
    cleanup()


def packit_url(server):
    return server.url + "/packit/"


def token_for(server, user):
    return server.command("token", user, "--name", "test").stdout.strip()


def test_push_and_pull_with_a_token(server, tmp_path):
    source = make_orderly_root(tmp_path / "src", use_file_store=True, path_archive=None)
    ids = [orderly_run("data", parameters={"n": n}, root=source) for n in (2, 4)]
    token = token_for(server, "carol")
    args = {"url": packit_url(server), "token": token}
    outpack_location_add("server", "packit", args, root=source)
    outpack_location_push(ids, "server", root=source)
    for packet_id in ids:
        assert (server.root / ".outpack" / "location" / "local" / packet_id).exists()

    copy = tmp_path / "copy"
    outpack_init(copy, require_complete_tree=True)
    outpack_location_add("server", "packit", args, root=copy)
    outpack_location_pull_metadata(root=copy)
    outpack_location_pull_packet(ids, root=copy)
    assert set(ids) <= set(root_open(copy).index.unpacked())


def test_a_token_without_a_grant_is_refused(server, tmp_path):
    root = tmp_path / "root"
    outpack_init(root)
    args = {"url": packit_url(server), "token": token_for(server, "mallory")}
    outpack_location_add("server", "packit", args, root=root)
    with pytest.raises(Exception, match="403 Error: User 'mallory' may not read"):
        outpack_location_pull_metadata(root=root)


def test_a_wrong_token_is_refused_with_the_advice(server, tmp_path):
    root = tmp_path / "root"
    outpack_init(root)
    args = {"url": packit_url(server), "token": "rps_not-a-token"}
    outpack_location_add("server", "packit", args, root=root)
    with pytest.raises(Exception, match="401 Error: You must sign in to read"):
        outpack_location_pull_metadata(root=root)


# The device flow, with a person at the browser.


class Terminal:
    """pyorderly running DEVICE_SESSION in a subprocess; its output read line by line."""

    def __init__(self, server, tmp_path):
        env = dict(os.environ, PYTHONPATH=str(REPO))
        for name in ("DJANGO_SETTINGS_MODULE", "REPROSTORE_ROOT", "REPROSTORE_DATABASE_URL"):
            env.pop(name, None)
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-c", DEVICE_SESSION, str(tmp_path / "src"), packit_url(server)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines = queue.Queue()
        self.output = []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.output.append(line)
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"no {pattern!r} in:\n{''.join(self.output)}")

    def finish(self, seconds=120):
        self.process.wait(timeout=seconds)
        while (line := self.lines.get(timeout=10)) is not None:
            self.output.append(line)
        return self.process.returncode, "".join(self.output)


@pytest.fixture
def terminal(server, tmp_path):
    started = Terminal(server, tmp_path)
    yield started
    if started.process.poll() is None:
        started.process.kill()
        started.process.wait()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def person(browser, server):
    """A browser tab; the person signs in when the page they open asks them to."""
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    yield page
    context.close()


def open_verification_page(page, url, user="carol"):
    page.goto(url)
    assert "/accounts/login/" in page.url
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/packit/device"))


def enter_code(page, code):
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()


@pytest.mark.browser
def test_the_device_flow_signs_pyorderly_in(server, terminal, person):
    prompt = terminal.wait_for(PROMPT)
    url, code = prompt.groups()
    assert url == f"{server.url}/packit/device"
    open_verification_page(person, url)
    enter_code(person, code.lower())  # people type codes as they like
    expect(person.get_by_text("pyorderly client asked to sign in")).to_be_visible()
    person.get_by_role("button", name="Approve").click()
    expect(person.get_by_text("Approved. Your terminal is now signed in as carol")).to_be_visible()

    status, output = terminal.finish()
    assert status == 0, output
    assert "Logged in successfully" in output
    packet_id = re.search(r"pushed (\S+)", output).group(1)
    assert (server.root / ".outpack" / "location" / "local" / packet_id).exists()
    tokens = server.command("token", "carol", "--list").stdout
    assert "pyorderly device login" in tokens


@pytest.mark.browser
def test_a_wrong_code_is_refused_and_a_denied_sign_in_fails(server, terminal, person):
    url, code = terminal.wait_for(PROMPT).groups()
    open_verification_page(person, url)
    enter_code(person, "BBBB-BBBB" if code != "BBBB-BBBB" else "CCCC-CCCC")
    assert person.get_by_role("alert").inner_text().startswith("No sign-in is waiting for the code")
    enter_code(person, code)
    person.get_by_role("button", name="Deny").click()
    expect(person.get_by_text("Denied.")).to_be_visible()

    status, output = terminal.finish()
    assert status != 0
    assert "Error while fetching access token: The sign-in was denied (access_denied)" in output


@pytest.mark.browser
def test_an_expired_code_is_refused_on_both_sides(server, terminal, person):
    url, code = terminal.wait_for(PROMPT).groups()
    server.command(
        "shell",
        "-c",
        "from django.utils import timezone\n"
        "from reprostore.accounts.models import DeviceAuthorization\n"
        "DeviceAuthorization.objects.update(expires=timezone.now())\n",
    )
    status, output = terminal.finish()
    assert status != 0
    assert "Error while fetching access token: The sign-in was not approved in time" in output
    assert "(expired_token)" in output
    open_verification_page(person, url)
    enter_code(person, code)
    alert = person.get_by_role("alert").inner_text()
    assert alert == f"The code '{code}' has expired: start the sign-in again in your terminal"
