"""Bearer tokens: issued (the secret is shown once), listed and revoked by their owner, on the
token page and with `reprostore token`. Only a token's digest is stored; it expires."""

import contextlib
from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone

from reprostore.accounts.models import ApiToken, token_digest

NAME_LENGTH = ApiToken._meta.get_field("name").max_length
# `last_used` is written at most this often per token: a client sends its token with every
# request, and a write per request would be a write lock per request on SQLite.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def do_issue_token(user, name: str = "", days: int | None = None) -> str:
    """A new token for `user`; its secret, which is never shown again."""
    return ApiToken.issue(user, name[:NAME_LENGTH], days)


def do_revoke_token(user, token_id) -> bool:
    """Delete one of `user`'s tokens (None: any user's, for the command line); False when there
    is no such token."""
    tokens = ApiToken.objects.filter(pk=token_id) if str(token_id).isdigit() else None
    if tokens is None:
        return False
    if user is not None:
        tokens = tokens.filter(user=user)
    deleted, _ = tokens.delete()
    return bool(deleted)


def tokens_of(user) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))


def user_of_token(token: str):
    """The active user a token that has not expired belongs to, or None; notes its use."""
    now = timezone.now()
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), expires__gt=now, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    if found.last_used is None or now - found.last_used > LAST_USED_RESOLUTION:
        # A note, not worth failing the request for when the database is busy.
        with contextlib.suppress(DatabaseError):
            ApiToken.objects.filter(pk=found.pk).update(last_used=now)
    return found.user
