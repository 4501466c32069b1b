"""Who may read and push: REPROSTORE_OUTPACK_ANONYMOUS and the packet grants (the whole matrix
of callers and routes is in test_permissions.py)."""

import hashlib

import pytest

from tests.conftest import basic_auth
from tests.support.packet_access import grant_cast_packets

from .conftest import failure, success

DATA = b"Testing 123."
UPLOAD = "/outpack/file/sha256:" + hashlib.sha256(DATA).hexdigest()


def read(client, **headers):
    return client.get("/outpack/metadata/list", **headers)


def write(client, **headers):
    return client.generic("POST", UPLOAD, DATA, **headers)


@pytest.fixture
def pusher(cast):
    grant_cast_packets(cast)
    return cast.writer


@pytest.mark.parametrize(
    ("anonymous", "can_read", "can_write"),
    [("write", True, True), ("read", True, False), ("none", False, False)],
)
def test_anonymous_access_follows_the_setting(
    client, example, settings, anonymous, can_read, can_write
):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = anonymous
    for response, allowed in ((read(client), can_read), (write(client), can_write)):
        if allowed:
            success(response)
        else:
            error = failure(response, 401)
            assert response["WWW-Authenticate"] == 'Basic realm="reprostore"'
            assert "sign in" in error["detail"]


@pytest.mark.parametrize(
    ("who", "can_write"), [("reader", False), ("writer", True), ("admin", True)]
)
def test_signed_in_users_read_and_push_with_permission(
    client, example, settings, cast, pusher, who, can_write
):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
    user = getattr(cast, who)
    auth = basic_auth(user.username)
    success(read(client, **auth))
    if can_write:
        success(write(client, **auth))
    else:
        error = failure(write(client, **auth), 403)
        assert f"User '{user.username}'" in error["detail"]


def test_bearer_tokens_are_accepted(client, example, settings, cast, pusher):
    from reprostore.accounts.models import ApiToken

    settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
    token = ApiToken.issue(pusher)
    success(write(client, HTTP_AUTHORIZATION=f"Bearer {token}"))
    failure(write(client, HTTP_AUTHORIZATION="Bearer wrong"), 401)


def test_wrong_credentials_are_anonymous(client, example, settings, cast):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "read"
    failure(write(client, **basic_auth("bob", "wrong password")), 401)


def test_every_route_checks_access(client, example, settings):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
    routes = [
        ("get", "/outpack/"),
        ("get", "/outpack/checksum"),
        ("get", "/outpack/metadata/list"),
        ("get", "/outpack/packit/metadata"),
        ("get", "/outpack/metadata/20170818-164847-7574883b/json"),
        ("get", "/outpack/metadata/20170818-164847-7574883b/text"),
        ("get", "/outpack/file/sha256:00"),
        ("post", "/outpack/file/sha256:00"),
        ("post", "/outpack/packet/sha256:00"),
        ("post", "/outpack/packets/missing"),
        ("post", "/outpack/files/missing"),
        ("get", "/outpack/metrics"),
    ]
    for method, path in routes:
        failure(getattr(client, method)(path), 401)


def test_a_bad_setting_is_reported_by_the_system_check(settings):
    from reprostore.packets.checks import check_anonymous_access

    settings.REPROSTORE_OUTPACK_ANONYMOUS = "everyone"
    (error,) = check_anonymous_access(None)
    assert error.msg == "REPROSTORE_OUTPACK_ANONYMOUS is 'everyone'"


def test_a_browser_session_may_read_but_not_push(client, example, settings, cast, pusher):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
    client.force_login(pusher)
    success(read(client))
    error = failure(write(client), 403)
    assert "browser session; use HTTP Basic or a token" in error["detail"]
