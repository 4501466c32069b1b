"""Bearer tokens: stored as digests, expiring, shown once, listed and revoked by their owner on
/account/tokens/ and with `reprostore token`."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from reprostore.accounts.models import ApiToken, token_digest

PAGE = "/account/tokens/"
URL = "/records/Private/"


def status_with(client, token) -> int:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "application/json"}
    return client.get(URL, **headers).status_code


def test_only_the_digest_is_stored(cast):
    token = ApiToken.issue(cast.reader, "script")
    stored = ApiToken.objects.get()
    assert stored.digest == token_digest(token) and token not in stored.digest
    assert token.startswith("rps_")


def test_a_token_expires(client, cast, settings):
    settings.REPROSTORE_TOKEN_DAYS = 3
    token = ApiToken.issue(cast.reader)
    stored = ApiToken.objects.get()
    assert timedelta(days=2, hours=23) < stored.expires - timezone.now() <= timedelta(days=3)
    assert status_with(client, token) == 200
    ApiToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert status_with(client, token) == 401


def test_its_last_use_is_noted(client, cast):
    token = ApiToken.issue(cast.reader)
    assert ApiToken.objects.get().last_used is None
    status_with(client, token)
    used = ApiToken.objects.get().last_used
    assert used is not None and timezone.now() - used < timedelta(minutes=1)


def test_the_page_makes_a_token_and_shows_it_once(client, cast):
    client.force_login(cast.reader)
    response = client.post(PAGE, {"action": "issue", "name": "laptop"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = response.context["new_token"]
    assert token in response.content.decode()
    assert status_with(Client(), token) == 200
    again = client.get(PAGE).content.decode()
    assert token not in again and "laptop" in again


def test_the_page_lists_only_my_tokens(client, cast):
    ApiToken.issue(cast.reader, "mine")
    ApiToken.issue(cast.writer, "carols")
    client.force_login(cast.reader)
    page = client.get(PAGE).content.decode()
    assert "mine" in page and "carols" not in page


def test_the_owner_revokes_a_token(client, cast):
    token = ApiToken.issue(cast.reader, "old")
    client.force_login(cast.reader)
    pk = ApiToken.objects.get().pk
    response = client.post(PAGE, {"action": "revoke", "token": pk})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert status_with(Client(), token) == 401


def test_nobody_else_revokes_it(client, cast):
    ApiToken.issue(cast.reader, "bobs")
    client.force_login(cast.stranger)
    client.post(PAGE, {"action": "revoke", "token": ApiToken.objects.get().pk})
    client.post(PAGE, {"action": "revoke", "token": "not a number"})
    assert ApiToken.objects.count() == 1


def test_the_page_needs_a_signed_in_user_and_the_csrf_token(cast):
    response = Client().get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.reader)
    assert client.post(PAGE, {"action": "issue"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_command_issues_lists_and_revokes(cast):
    out = io.StringIO()
    call_command("token", "bob", "--name", "ci", "--days", "2", stdout=out)
    token = out.getvalue().strip()
    stored = ApiToken.objects.get()
    assert stored.digest == token_digest(token) and stored.name == "ci"
    assert stored.expires - timezone.now() <= timedelta(days=2)
    out = io.StringIO()
    call_command("token", "bob", "--list", stdout=out)
    assert f"{stored.pk}\tci\t" in out.getvalue() and token not in out.getvalue()
    with pytest.raises(CommandError, match="'carol' has no token with id"):
        call_command("token", "carol", "--revoke", str(stored.pk))
    call_command("token", "bob", "--revoke", str(stored.pk), stdout=io.StringIO())
    assert not ApiToken.objects.exists()
    with pytest.raises(CommandError, match="at least a day"):
        call_command("token", "bob", "--days", "0")


def test_tokens_made_before_the_upgrade_get_an_expiry(transactional_db, django_user_model):
    """Migrating a store whose tokens had no expiry gives each one, rather than none."""
    user = django_user_model.objects.create_user("old", password="x")
    call_command("migrate", "accounts", "0001", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_apitoken (name, digest, created, user_id) "
            "VALUES (%s, %s, %s, %s)",
            ["old", token_digest("secret"), timezone.now(), user.pk],
        )
    call_command("migrate", "accounts", verbosity=0)
    expires = ApiToken.objects.get().expires
    assert timedelta(days=29) < expires - timezone.now() <= timedelta(days=30)
