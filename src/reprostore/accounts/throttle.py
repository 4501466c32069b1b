"""Throttling failed sign-ins, per client address and per user name.

Each check of a password costs about a second of CPU (Django's PBKDF2), so unthrottled guessing
both guesses passwords and saturates the server. Every failed sign-in (Basic, a bearer token, the
login page: anything that goes through `django.contrib.auth.authenticate` and fails) is a
`LoginFailure` row. Once an address has REPROSTORE_LOGIN_FAILURES_PER_ADDRESS failures, or a
user name REPROSTORE_LOGIN_FAILURES_PER_USER, within REPROSTORE_LOGIN_FAILURE_WINDOW seconds,
further sign-ins from it (or as them) are refused with 429 and `Retry-After` without checking
the password, until the oldest of those failures leaves the window. Refused attempts are not
counted, so a guesser gets the limit per window and no more.

The backends (backends.py) ask in this order: the address, then the credentials remembered as
verified, then the user name. Credentials that verified within the last five minutes prove
they are right at no cost, so someone guessing at a user's password from elsewhere does not
stop that user's running jobs (an `smt` burst); but they never get past a locked address, which
would otherwise be a free oracle for passwords in use.

The counts live in the database because it is the one thing every gunicorn worker (and every
server of one store) shares; Django's default cache is per process.
"""

import ipaddress
from datetime import timedelta

from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.dispatch import receiver
from django.utils import timezone

from reprostore.accounts.models import LoginFailure
from reprostore.lib.conf import setting
from reprostore.lib.http import TooManyRequests


class Throttled(PermissionDenied):
    """Raised by a backend to stop `authenticate()` before any password check; the refusal is
    left on the request (`request.credentials_refusal`) for the view to answer."""


def client_address(request) -> str:
    """The client's address; behind a proxy, the one the proxy appended to X-Forwarded-For."""
    address = request.META.get("REMOTE_ADDR", "")
    if setting("REPROSTORE_BEHIND_PROXY"):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        address = forwarded or address
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "0.0.0.0"


def window() -> timedelta:
    return timedelta(seconds=setting("REPROSTORE_LOGIN_FAILURE_WINDOW"))


def seconds_locked(failures, limit: int) -> float:
    """Seconds until fewer than `limit` of `failures` (a LoginFailure queryset) are in the window;
    0 when that is already so."""
    now = timezone.now()
    recent = failures.filter(at__gte=now - window()).order_by("-at")
    limiting = recent.values_list("at", flat=True)[limit - 1 : limit].first()
    if limiting is None:
        return 0
    return (limiting + window() - now).total_seconds()


def refuse(request, who: str, seconds: float):
    minutes = max(1, round(seconds / 60))
    request.credentials_refusal = TooManyRequests(
        f"Too many failed sign-ins {who}: try again in about {minutes} minute"
        + ("s" if minutes > 1 else ""),
        retry_after=seconds + 1,
    )
    raise Throttled(request.credentials_refusal.message)


def limit_reached(address: str, limit: int) -> bool:
    """Whether `limit` sign-ins failed from `address` within the window.

    Every request with credentials asks this, so it is one lookup in the (address, at) index
    written as SQL: built by the ORM the same query cost ten times as much (0.29 ms against
    0.03 ms; a sixth of a record PUT's CPU with the connection it opened).
    """
    connection = connections[LoginFailure.objects.db]
    quote = connection.ops.quote_name
    columns = {
        field: quote(LoginFailure._meta.get_field(field).column) for field in ("address", "at")
    }
    since = connection.ops.adapt_datetimefield_value(timezone.now() - window())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {quote(LoginFailure._meta.db_table)} "
            f"WHERE {columns['address']} = %s AND {columns['at']} >= %s LIMIT 1 OFFSET %s",
            [connection.ops.adapt_ipaddressfield_value(address), since, limit - 1],
        )
        return cursor.fetchone() is not None


def check_address(request) -> None:
    """Raise Throttled if too many sign-ins failed from the request's address."""
    if request is None:
        return
    address, limit = client_address(request), setting("REPROSTORE_LOGIN_FAILURES_PER_ADDRESS")
    if not limit_reached(address, limit):
        return
    seconds = seconds_locked(LoginFailure.objects.filter(address=address), limit)
    if seconds > 0:
        refuse(request, "from your address", seconds)


def check_username(request, username: str) -> None:
    """Raise Throttled if too many sign-ins as `username` failed."""
    if request is None:
        return
    failures = LoginFailure.objects.filter(username=username[:150])
    seconds = seconds_locked(failures, setting("REPROSTORE_LOGIN_FAILURES_PER_USER"))
    if seconds > 0:
        refuse(request, f"as '{username}'", seconds)


@receiver(user_login_failed)
def record_failure(sender, credentials, request=None, **kwargs):
    """Count a sign-in that every backend refused (not one refused unchecked, as throttled)."""
    if request is None or getattr(request, "credentials_refusal", None) is not None:
        return
    username = credentials.get("username") or ""
    LoginFailure.objects.create(address=client_address(request), username=str(username)[:150])
    LoginFailure.objects.filter(at__lt=timezone.now() - window()).delete()
