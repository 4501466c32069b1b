"""The OAuth 2.0 device authorization grant (RFC 8628), as pyorderly's `packit` location uses it.

A client with no token asks for a device code and a user code (`do_start`), prints the
verification URI and the user code, and polls (`do_exchange`). A signed-in user enters the user
code on the verification page and approves or denies (`do_decide`); the next poll then gets a
bearer token for that user, once. Both codes are stored as digests only, and expire.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from reprostore.lib.conf import setting
from reprostore.lib.http import BadRequest

from .models import DeviceAuthorization, token_digest
from .tokens import do_issue_token

CLIENTS = ("pyorderly",)
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
# RFC 8628 §6.1: upper-case consonants only, so that no word is spelt and nothing looks alike;
# 20^8 codes, of which only the few pending ones for ten minutes mean anything.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
# Expired sign-ins stay for a while, so that a client polling late still hears "expired_token".
KEPT_AFTER_EXPIRY = timedelta(hours=1)


class DeviceError(BadRequest):
    """A refusal in OAuth's terms: `kind` is the error code the client reads."""

    def __init__(self, code: str, message: str):
        super().__init__(message, kind=code)


@dataclass(frozen=True)
class Started:
    device_code: str
    user_code: str
    expires_in: int
    interval: int


def check_client(client_id: str) -> None:
    if client_id not in CLIENTS:
        raise DeviceError(
            "invalid_client", f"Unknown client_id '{client_id}': use one of {', '.join(CLIENTS)}"
        )


def normalised(user_code: str) -> str:
    """The code as stored: upper case, without the dash or spaces people type."""
    return "".join(c for c in user_code.upper() if c.isalnum())


def shown(user_code: str) -> str:
    half = len(user_code) // 2
    return f"{user_code[:half]}-{user_code[half:]}"


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def do_start(client_id: str) -> Started:
    """A new sign-in waiting for approval: its device code (for the client) and user code (for
    the person)."""
    check_client(client_id)
    now = timezone.now()
    DeviceAuthorization.objects.filter(expires__lt=now - KEPT_AFTER_EXPIRY).delete()
    lifetime = setting("REPROSTORE_DEVICE_CODE_SECONDS")
    device_code = secrets.token_urlsafe(32)
    for _ in range(5):
        user_code = new_user_code()
        try:
            with transaction.atomic():
                DeviceAuthorization.objects.create(
                    device_digest=token_digest(device_code),
                    user_digest=token_digest(user_code),
                    client_id=client_id,
                    expires=now + timedelta(seconds=lifetime),
                )
            break
        except IntegrityError:  # the user code of another sign-in that is still kept
            continue
    else:
        raise DeviceError("temporarily_unavailable", "No free user code; try again")
    return Started(
        device_code, shown(user_code), lifetime, setting("REPROSTORE_DEVICE_POLL_SECONDS")
    )


def pending(user_code: str) -> DeviceAuthorization:
    """The sign-in waiting for this user code, or BadRequest saying why there is none."""
    found = DeviceAuthorization.objects.filter(user_digest=token_digest(normalised(user_code)))
    found = found.first()
    if found is None:
        raise BadRequest(
            f"No sign-in is waiting for the code '{user_code}': check it against the one your "
            "terminal shows"
        )
    if found.expired:
        raise BadRequest(
            f"The code '{user_code}' has expired: start the sign-in again in your terminal"
        )
    if found.state != DeviceAuthorization.State.PENDING:
        raise BadRequest(f"The code '{user_code}' has already been used")
    return found


def do_decide(user, user_code: str, *, approve: bool) -> None:
    """Approve (sign the device in as `user`) or deny the sign-in waiting for `user_code`."""
    with transaction.atomic():
        found = pending(user_code)
        found = DeviceAuthorization.objects.select_for_update().get(pk=found.pk)
        if found.state != DeviceAuthorization.State.PENDING:
            raise BadRequest(f"The code '{user_code}' has already been used")
        found.state = (
            DeviceAuthorization.State.APPROVED if approve else DeviceAuthorization.State.DENIED
        )
        found.user = user if approve else None
        found.save(update_fields=["state", "user"])


def do_exchange(client_id: str, grant_type: str, device_code: str) -> tuple[str, int]:
    """(access token, seconds it lasts) once the sign-in is approved; otherwise the DeviceError
    the client should act on: wait, stop, or start again."""
    if grant_type != GRANT_TYPE:
        raise DeviceError(
            "unsupported_grant_type", f"Unsupported grant_type '{grant_type}': use {GRANT_TYPE}"
        )
    check_client(client_id)
    with transaction.atomic():
        found = (
            DeviceAuthorization.objects.select_for_update()
            .filter(device_digest=token_digest(device_code or ""), client_id=client_id)
            .first()
        )
        if found is None:
            raise DeviceError("invalid_grant", "Unknown or already used device_code")
        if found.expired:
            raise DeviceError("expired_token", "The sign-in was not approved in time; start again")
        if found.state == DeviceAuthorization.State.PENDING:
            raise DeviceError("authorization_pending", "The sign-in is waiting for approval")
        found.delete()  # a device code is exchanged once, whatever the answer
        approved = found.state == DeviceAuthorization.State.APPROVED and found.user is not None
        days = setting("REPROSTORE_TOKEN_DAYS")
        token = do_issue_token(found.user, f"{client_id} device login", days) if approved else None
    if token is None:
        raise DeviceError("access_denied", "The sign-in was denied")
    return token, days * 24 * 3600
