"""Failed sign-ins are throttled per client address and per user name, for Basic credentials,
tokens and the login page alike, with 429 and Retry-After (issue 11, item 3)."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.utils import timezone

from reprostore.accounts.models import ApiToken, LoginFailure
from tests.conftest import PASSWORD, basic_auth

URL = "/records/Private/"
PER_USER, PER_ADDRESS = 3, 5


@pytest.fixture(autouse=True)
def limits(settings):
    settings.REPROSTORE_LOGIN_FAILURES_PER_USER = PER_USER
    settings.REPROSTORE_LOGIN_FAILURES_PER_ADDRESS = PER_ADDRESS
    settings.REPROSTORE_LOGIN_FAILURE_WINDOW = 600
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password=PASSWORD, address="10.0.0.1", **extra):
    return client.get(
        URL, HTTP_ACCEPT="application/json", REMOTE_ADDR=address, **basic_auth(username, password)
    )


def password_checks():
    return mock.patch.object(
        ModelBackend, "authenticate", autospec=True, side_effect=ModelBackend.authenticate
    )


def assert_throttled(response, fragment="Too many failed sign-ins"):
    assert response.status_code == 429, response.content
    assert 0 < int(response["Retry-After"]) <= 601
    assert fragment in json.loads(response.content)["error"]


def test_a_user_name_is_locked_after_its_limit_of_wrong_passwords(client, cast):
    for attempt in range(PER_USER):
        assert sign_in(client, "bob", "wrong", address=f"10.0.1.{attempt}").status_code == 401
    with password_checks() as checks:
        # From yet another address, and with the right password: no password is even checked.
        assert_throttled(sign_in(client, "bob", address="10.0.2.1"), "as 'bob'")
    assert checks.call_count == 0
    assert sign_in(client, "carol", address="10.0.2.1").status_code == 200


def test_an_address_is_locked_after_its_limit_whatever_the_user_names(client, cast):
    for name in ["a", "b", "c", "d", "e"][:PER_ADDRESS]:
        assert sign_in(client, name, "wrong").status_code == 401
    with password_checks() as checks:
        assert_throttled(sign_in(client, "carol"), "from your address")
    assert checks.call_count == 0
    assert sign_in(client, "carol", address="10.0.0.2").status_code == 200


def test_refused_attempts_are_not_counted_and_the_lock_lifts_with_the_window(client, cast):
    for _ in range(PER_USER):
        sign_in(client, "bob", "wrong", address="10.0.3.1")
    for _ in range(5):
        assert sign_in(client, "bob", "wrong", address="10.0.3.2").status_code == 429
    assert LoginFailure.objects.count() == PER_USER
    LoginFailure.objects.update(at=timezone.now() - timedelta(seconds=601))
    assert sign_in(client, "bob", address="10.0.3.2").status_code == 200


def test_credentials_verified_a_moment_ago_keep_working_while_someone_guesses(client, cast):
    # bob's jobs are running (his credentials verified); someone elsewhere guesses his password.
    assert sign_in(client, "bob", address="10.0.4.1").status_code == 200
    for attempt in range(PER_USER):
        sign_in(client, "bob", "guess", address=f"10.0.5.{attempt}")
    assert sign_in(client, "bob", address="10.0.4.1").status_code == 200
    assert_throttled(sign_in(client, "bob", "guess", address="10.0.5.9"))


def test_a_locked_address_gets_no_answer_even_for_verified_credentials(client, cast):
    # Otherwise a guesser could go on guessing for free, told "yes" by the verified cache.
    assert sign_in(client, "bob", address="10.0.6.1").status_code == 200
    for name in ["a", "b", "c", "d", "e"][:PER_ADDRESS]:
        sign_in(client, name, "wrong", address="10.0.6.1")
    assert_throttled(sign_in(client, "bob", address="10.0.6.1"))


def test_wrong_tokens_count_for_the_address(client, cast):
    token = ApiToken.issue(cast.reader, "script")
    for _ in range(PER_ADDRESS):
        wrong = client.get(URL, HTTP_AUTHORIZATION="Bearer rps_wrong", REMOTE_ADDR="10.0.7.1")
        assert wrong.status_code == 401
    assert_throttled(client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="10.0.7.1"))
    right = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="10.0.7.2")
    assert right.status_code == 200


def test_the_outpack_api_answers_429_in_its_envelope(client, cast):
    for name in ["a", "b", "c", "d", "e"][:PER_ADDRESS]:
        client.get("/outpack/", REMOTE_ADDR="10.0.8.1", **basic_auth(name, "wrong"))
    response = client.get("/outpack/", REMOTE_ADDR="10.0.8.1", **basic_auth("bob"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["errors"][0]["error"] == "too many requests"


def test_the_login_page_is_throttled_too(client, cast):
    for _ in range(PER_USER):
        failed = client.post(
            "/accounts/login/", {"username": "bob", "password": "wrong"}, REMOTE_ADDR="10.0.9.1"
        )
        assert failed.status_code == 200
    with password_checks() as checks:
        response = client.post(
            "/accounts/login/", {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.9.2"
        )
    assert checks.call_count == 0
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed sign-ins as &#x27;bob&#x27;" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, cast, settings):
    settings.REPROSTORE_BEHIND_PROXY = True
    for name in ["a", "b", "c", "d", "e"][:PER_ADDRESS]:
        client.get(
            URL,
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
            **basic_auth(name, "wrong"),
        )
    proxied = {"REMOTE_ADDR": "127.0.0.1", **basic_auth("carol")}
    assert_throttled(client.get(URL, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", **proxied))
    assert client.get(URL, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxied).status_code == 200
    assert LoginFailure.objects.filter(address="203.0.113.7").count() == PER_ADDRESS
