"""Knowing the caller: Basic and bearer credentials through the backends and the middleware, and
the rules of the verified-credentials cache."""

import base64
from unittest import mock

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from reprostore.accounts.middleware import parse_authorization
from reprostore.accounts.models import ApiToken
from tests.conftest import PASSWORD, basic_auth

URL = "/records/Private/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def status(client, **headers) -> int:
    return client.get(URL, HTTP_ACCEPT="application/json", **headers).status_code


def password_checks():
    """Count the real password checks (the slow hash) made while the block runs."""
    return mock.patch.object(
        ModelBackend, "authenticate", autospec=True, side_effect=ModelBackend.authenticate
    )


def test_basic_credentials_make_the_caller_known(client, cast):
    assert status(client, **basic_auth("bob")) == 200
    assert status(client) == 401
    assert status(client, **basic_auth("mallory")) == 404


def test_wrong_credentials_are_anonymous_so_the_client_is_challenged(client, cast):
    response = client.get(URL, HTTP_ACCEPT="application/json", **basic_auth("bob", "wrong"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "header",
    ["Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer", "Digest abc", ""],
)
def test_unreadable_credentials_are_anonymous(client, cast, header):
    assert status(client, HTTP_AUTHORIZATION=header) == 401


def test_a_bearer_token_makes_the_caller_known_until_the_user_is_deactivated(client, cast):
    token = ApiToken.issue(cast.reader, "script")
    assert status(client, HTTP_AUTHORIZATION=f"Bearer {token}") == 200
    assert status(client, HTTP_AUTHORIZATION=f"Bearer {token}x") == 401
    cast.reader.is_active = False
    cast.reader.save()
    assert status(client, HTTP_AUTHORIZATION=f"Bearer {token}") == 401


def test_verified_credentials_are_not_hashed_again(client, cast):
    with password_checks() as checks:
        for _ in range(3):
            assert status(client, **basic_auth("bob")) == 200
    assert checks.call_count == 1


def test_wrong_passwords_are_never_remembered(client, cast):
    with password_checks() as checks:
        for _ in range(2):
            assert status(client, **basic_auth("bob", "wrong")) == 401
    assert checks.call_count == 2


def test_a_password_change_invalidates_the_remembered_credentials(client, cast):
    assert status(client, **basic_auth("bob")) == 200
    cast.reader.set_password("a new password")
    cast.reader.save()
    assert status(client, **basic_auth("bob")) == 401
    assert status(client, **basic_auth("bob", "a new password")) == 200


def test_deactivation_invalidates_the_remembered_credentials(client, cast):
    assert status(client, **basic_auth("bob")) == 200
    cast.reader.is_active = False
    cast.reader.save()
    assert status(client, **basic_auth("bob")) == 401


def test_a_rename_invalidates_the_old_name(client, cast):
    assert status(client, **basic_auth("bob")) == 200
    cast.reader.username = "robert"
    cast.reader.save()
    assert status(client, **basic_auth("bob")) == 401
    assert status(client, **basic_auth("robert")) == 200


def test_the_remembered_entry_does_not_hold_the_password(client, cast):
    assert status(client, **basic_auth("bob")) == 200
    stored = [cache.get(key) for key in cache._cache]  # LocMemCache: the test settings' cache
    assert stored and all(PASSWORD not in repr(value) for value in stored)


def test_credentials_never_reach_a_browser_session(client, cast):
    client.get("/", **basic_auth("bob"))
    assert status(client) == 401


def test_parse_authorization_reads_both_schemes():
    encoded = base64.b64encode(b"ann:pa:ss").decode()
    assert parse_authorization(f"Basic {encoded}") == (
        "basic",
        {"username": "ann", "password": "pa:ss"},
    )
    assert parse_authorization("bearer  tok ") == ("bearer", {"token": "tok"})
    assert parse_authorization("Negotiate xyz") == ("negotiate", {})


@override_settings(
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
)
def test_a_site_without_the_middleware_fails_its_checks():
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match="reprostore.E001"):
        call_command("check")
