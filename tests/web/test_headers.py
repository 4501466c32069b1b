"""Headers that keep answers apart in caches and pages contained in browsers (issue 11, item 5):
`Vary`, the Content-Security-Policy, Secure cookies and HSTS behind an HTTPS proxy, and
downloads that a browser saves instead of opening."""

import pytest
import requests

from tests.conftest import basic_auth
from tests.support.packet_access import grant_packets
from tests.support.server import start_server

BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"


def vary(response) -> set[str]:
    return {part.strip() for part in response.get("Vary", "").split(",") if part.strip()}


def test_one_url_that_answers_json_or_a_page_says_it_varies_on_accept(client, cast):
    client.force_login(cast.reader)
    page = client.get("/records/Private/", HTTP_ACCEPT=BROWSER)
    data = client.get("/records/Private/", HTTP_ACCEPT="application/json")
    assert page.status_code == data.status_code == 200
    assert {"Accept", "Authorization"} <= vary(page)
    assert {"Accept", "Authorization"} <= vary(data)


@pytest.mark.parametrize("url", ["/", "/records/Private/", "/outpack/", "/metrics"])
def test_answers_that_depend_on_the_caller_vary_on_authorization(client, cast, url):
    response = client.get(url, **basic_auth("bob"))
    assert "Authorization" in vary(response), url


@pytest.mark.parametrize("url", ["/", "/records/Private/", "/records/Private/r/", "/records/"])
def test_pages_forbid_inline_script(client, cast, records, url):
    client.force_login(cast.owner)
    response = client.get(url.replace("/r/", "/run-a/"), HTTP_ACCEPT=BROWSER)
    assert response.status_code == 200
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]


def test_the_login_page_has_the_policy_too(client, db):
    assert "script-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]


@pytest.fixture
def reader(client, cast):
    grant_packets(cast.reader, "read")
    client.force_login(cast.reader)
    return client


@pytest.mark.parametrize(
    "path, media",
    [
        ("log.txt", "application/octet-stream"),
        ("plots/fit.png", "image/png"),
    ],
)
def test_only_images_download_as_what_they_are(reader, packets, path, media):
    response = reader.get(f"/packets/model-fit/{packets.fit}/download/{path}")
    assert response.status_code == 200
    assert response["Content-Type"] == media
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


def test_an_html_file_is_never_served_as_a_page(reader, outpack_root):
    from tests.web.support import add_packet

    found = add_packet(outpack_root, "report", {"report.html": b"<script>alert(1)</script>"})
    for query in ("", "?inline=1"):
        response = reader.get(f"/packets/report/{found}/download/report.html{query}")
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    server, cleanup = start_server(
        tmp_path_factory.mktemp("store") / "root", extra_env={"REPROSTORE_BEHIND_PROXY": "1"}
    )
    yield server
    cleanup()


def test_behind_an_https_proxy_cookies_are_secure_and_hsts_is_sent(proxied):
    response = requests.get(
        f"{proxied.url}/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=30
    )
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = next(cookie for cookie in response.cookies if cookie.name == "csrftoken")
    assert cookie.secure
