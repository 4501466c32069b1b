"""Writes can't be forged from another site, whatever the credentials, and browsers are never
asked for Basic credentials they would then attach to such forgeries (issue 11, item 1)."""

import hashlib
import json

import pytest

from reprostore.records.models import ProjectPermission
from tests.conftest import basic_auth
from tests.records.helpers import assert_error

PERMISSIONS = "/records/Private/permissions/"
EVIL = "https://evil.example"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
DATA = b"pushed from a forged form"
UPLOAD = "/outpack/file/sha256:" + hashlib.sha256(DATA).hexdigest()


def text_plain_form_body() -> bytes:
    """What `<form enctype="text/plain">` with one field sends: `name=value`, chosen so that the
    body parses as JSON. No browser form can send application/json."""
    name, value = '{"user": "mallory", "level": "admin", "x": "', '"}'
    return f"{name}={value}\r\n".encode()


def grant(client, body: bytes, content_type: str, **headers):
    return client.post(
        PERMISSIONS, body, content_type=content_type, **basic_auth("alice"), **headers
    )


@pytest.fixture
def open_location(settings, tmp_path):
    """An outpack root anyone may push to, as on a trusted network."""
    from reprostore.packets.index import forget_sync_state
    from reprostore.packets.root import init_root

    settings.REPROSTORE_ROOT = init_root(tmp_path / "root")
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "write"
    forget_sync_state()
    yield
    forget_sync_state()


def test_a_form_from_another_site_with_cached_basic_credentials_grants_nothing(client, cast):
    response = grant(client, text_plain_form_body(), "text/plain", HTTP_ORIGIN=EVIL)
    assert_error(response, 403, f"sent from '{EVIL}'")
    assert not ProjectPermission.objects.filter(user=cast.stranger).exists()


def test_a_referer_from_another_site_is_refused_too(client, cast):
    body = json.dumps({"user": "mallory", "level": "admin"}).encode()
    response = grant(client, body, "application/json", HTTP_REFERER=f"{EVIL}/page.html")
    assert_error(response, 403, "Cross-site request refused")
    assert not ProjectPermission.objects.filter(user=cast.stranger).exists()


@pytest.mark.parametrize("origin", ["http://testserver", None])
def test_writes_from_this_site_or_from_clients_that_name_no_origin_pass(client, cast, origin):
    body = json.dumps({"user": "mallory", "level": "read"}).encode()
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    assert grant(client, body, "application/json", **headers).status_code == 204
    assert ProjectPermission.objects.get(user=cast.stranger).level == "read"


def test_trusted_origins_may_write(client, cast, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org"]
    body = json.dumps({"user": "mallory", "level": "read"}).encode()
    response = grant(client, body, "application/json", HTTP_ORIGIN="https://records.example.org")
    assert response.status_code == 204


def test_the_permissions_api_reads_only_bodies_declared_as_json(client, cast):
    # Even without an Origin (an old browser), a form's body is never read as a grant.
    response = grant(client, text_plain_form_body(), "text/plain")
    assert_error(response, 415, "Content-Type: application/json")
    form = grant(client, b"user=mallory&level=admin", "application/x-www-form-urlencoded")
    assert form.status_code == 415
    assert not ProjectPermission.objects.filter(user=cast.stranger).exists()


def test_a_record_write_from_another_site_is_refused(client, cast):
    from tests.support.records import record_body

    response = client.put(
        "/records/Private/forged/",
        record_body("forged"),
        content_type="application/json",
        HTTP_ORIGIN=EVIL,
        **basic_auth("alice"),
    )
    assert_error(response, 403, "Cross-site request refused")
    assert not cast.project.records.exists()


def test_a_push_from_another_site_is_refused_in_the_outpack_envelope(client, db, open_location):
    forged = client.generic("POST", UPLOAD, DATA, HTTP_ORIGIN=EVIL)
    assert forged.status_code == 403
    assert forged.json()["status"] == "failure"
    assert "Cross-site request refused" in forged.json()["errors"][0]["detail"]
    assert client.generic("POST", UPLOAD, DATA).status_code == 200


def test_browsers_are_not_asked_for_basic_credentials(client, cast, settings):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
    answers = [
        client.get("/outpack/metadata/list", HTTP_ACCEPT=BROWSER),
        client.post(PERMISSIONS, b"x=1", content_type="text/plain", HTTP_ACCEPT=BROWSER),
    ]
    for response in answers:
        assert response.status_code == 401
        assert "WWW-Authenticate" not in response
    page = client.get("/records/Private/", HTTP_ACCEPT=BROWSER)
    assert page.status_code == 302 and "WWW-Authenticate" not in page


@pytest.mark.parametrize(
    "accept",
    [
        None,  # pyorderly (requests) and curl send */* or nothing
        "*/*",
        "application/vnd.sumatra.project-v4+json",  # smt (httplib2)
        "application/json",
    ],
)
def test_clients_still_get_the_challenge_they_need(client, cast, settings, accept):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    for url in ("/records/Private/", "/outpack/metadata/list"):
        response = client.get(url, **headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Basic realm="reprostore"'
        assert "Accept" in response["Vary"]


def test_metrics_do_not_challenge_browsers(client, cast, settings):
    settings.REPROSTORE_METRICS_AUTH = "user"
    assert "WWW-Authenticate" not in client.get("/metrics", HTTP_ACCEPT=BROWSER)
    assert client.get("/metrics")["WWW-Authenticate"].startswith("Basic")
