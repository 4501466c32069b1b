"""The device login (RFC 8628) as pyorderly's `packit` location runs it: the two endpoints with
the field names and error codes pyorderly reads, and the verification page where a signed-in
user approves. The whole flow with the real client and a real browser is in
tests/packets/test_packit.py."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from reprostore.accounts.device import GRANT_TYPE
from reprostore.accounts.models import ApiToken, DeviceAuthorization, token_digest
from tests.support.packet_access import grant_cast_packets

START, TOKEN, PAGE = "/packit/api/deviceAuth", "/packit/api/deviceAuth/token", "/packit/device"


def start(client, client_id="pyorderly"):
    return client.post(START, {"client_id": client_id}, HTTP_ACCEPT="application/json")


def poll(client, device_code, client_id="pyorderly", grant_type=GRANT_TYPE):
    data = {"grant_type": grant_type, "device_code": device_code, "client_id": client_id}
    return client.post(TOKEN, data, HTTP_ACCEPT="application/json")


def oauth_error(response, code):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json()["error"] == code
    return response.json()["error_description"]


@pytest.fixture
def started(client, db):
    response = start(client)
    assert response.status_code == 200
    return response.json()


def test_starting_gives_what_pyorderly_reads(started, settings):
    assert set(started) >= {"device_code", "user_code", "verification_uri", "expires_in"}
    assert started["verification_uri"] == "http://testserver/packit/device"
    assert started["verification_uri_complete"].endswith(f"?code={started['user_code']}")
    assert started["expires_in"] == settings.REPROSTORE_DEVICE_CODE_SECONDS == 600
    assert started["interval"] == 5
    assert len(started["user_code"]) == 9 and started["user_code"][4] == "-"


def test_both_codes_are_stored_as_digests(started):
    stored = DeviceAuthorization.objects.get()
    assert stored.device_digest == token_digest(started["device_code"])
    assert stored.user_digest == token_digest(started["user_code"].replace("-", ""))
    assert started["user_code"].replace("-", "") not in stored.user_digest


def test_an_unknown_client_is_refused(client, db):
    assert "Unknown client_id 'evil'" in oauth_error(start(client, "evil"), "invalid_client")


def test_polling_waits_until_a_person_approves(client, cast, started):
    code = started["device_code"]
    oauth_error(poll(client, code), "authorization_pending")
    browser = Client()
    browser.force_login(cast.writer)
    page = browser.post(PAGE, {"user_code": started["user_code"], "decision": "approve"})
    assert page.status_code == 200 and "Approved" in page.content.decode()
    response = poll(client, code)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 30 * 24 * 3600
    assert ApiToken.objects.get().user == cast.writer
    assert ApiToken.objects.get().name == "pyorderly device login"
    grant_cast_packets(cast)  # the token signs carol in; what she may do is her grants
    listed = client.get("/outpack/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert listed.status_code == 200
    assert oauth_error(poll(client, code), "invalid_grant")  # exchanged once


def test_a_denied_sign_in_is_access_denied(client, cast, started):
    browser = Client()
    browser.force_login(cast.writer)
    page = browser.post(PAGE, {"user_code": started["user_code"], "decision": "deny"})
    assert "Denied" in page.content.decode()
    oauth_error(poll(client, started["device_code"]), "access_denied")
    assert not ApiToken.objects.exists()


def test_a_code_not_approved_in_time_is_expired(client, cast, started):
    DeviceAuthorization.objects.update(expires=timezone.now() - timedelta(seconds=1))
    oauth_error(poll(client, started["device_code"]), "expired_token")
    browser = Client()
    browser.force_login(cast.writer)
    page = browser.post(PAGE, {"user_code": started["user_code"], "decision": "approve"})
    assert page.status_code == 400
    assert f"The code &#x27;{started['user_code']}&#x27; has expired" in page.content.decode()


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"device_code": "made-up"}, "invalid_grant"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"client_id": "other"}, "invalid_client"),
    ],
)
def test_bad_polls_are_refused(client, started, changes, code):
    arguments = {"device_code": started["device_code"], **changes}
    oauth_error(poll(client, **arguments), code)


def test_the_endpoints_take_only_posts(client, db):
    response = client.get(START)
    assert response.status_code == 405 and response.json()["error"] == "invalid_request"


def test_the_page_asks_for_the_code_and_then_to_confirm(client, cast, started):
    client.force_login(cast.writer)
    form = client.get(PAGE).content.decode()
    assert 'name="user_code"' in form and "Approve" not in form
    typed = started["user_code"].lower().replace("-", " ")
    confirm = client.post(PAGE, {"user_code": typed}).content.decode()
    assert "pyorderly" in confirm and 'value="approve"' in confirm
    linked = client.get(PAGE, {"code": started["user_code"]}).content.decode()
    assert 'value="approve"' in linked
    assert DeviceAuthorization.objects.get().state == "pending"


def test_a_wrong_code_is_refused_clearly(client, cast, started):
    client.force_login(cast.writer)
    response = client.post(PAGE, {"user_code": "BBBB-BBBB", "decision": "approve"})
    assert response.status_code == 400
    assert "No sign-in is waiting for the code &#x27;BBBB-BBBB&#x27;" in response.content.decode()
    assert DeviceAuthorization.objects.get().state == "pending"


def test_a_code_is_approved_once(client, cast, started):
    client.force_login(cast.writer)
    client.post(PAGE, {"user_code": started["user_code"], "decision": "approve"})
    again = client.post(PAGE, {"user_code": started["user_code"], "decision": "deny"})
    assert "has already been used" in again.content.decode()
    assert DeviceAuthorization.objects.get().state == "approved"


def test_the_page_needs_a_signed_in_user_and_the_csrf_token(cast, started):
    response = Client().get(PAGE, {"code": started["user_code"]})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/packit/device")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.writer)
    forged = browser.post(PAGE, {"user_code": started["user_code"], "decision": "approve"})
    assert forged.status_code == 403
    assert DeviceAuthorization.objects.get().state == "pending"
