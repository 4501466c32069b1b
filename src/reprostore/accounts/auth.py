"""Who is making a request: a browser session, HTTP Basic credentials or a bearer token."""

import base64
import binascii
import hashlib
import hmac
import threading
import time

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import AnonymousUser

from reprostore.accounts.models import ApiToken, token_digest

# Django hashes passwords with ~1,000,000 PBKDF2 rounds (about 0.3 s of CPU). httplib2 and requests
# send Basic credentials with every request, and one `smt run` makes five PUTs, so a burst of a
# hundred jobs would spend minutes hashing. Credentials that verified recently are remembered per
# worker process for a short time, keyed by an HMAC (the password itself is never kept); a changed
# password or a deactivated user invalidates the entry at once.
CREDENTIALS_TTL = 300
CREDENTIALS_MAX = 4096
_verified: dict[str, tuple[int, str, float]] = {}
_verified_lock = threading.Lock()


def _credentials_key(username: str, password: str) -> str:
    message = f"{username}\0{password}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def parse_basic(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def _remembered_user(key: str):
    with _verified_lock:
        entry = _verified.get(key)
    if entry is None or entry[2] < time.monotonic():
        return None
    user = get_user_model().objects.filter(pk=entry[0], is_active=True).first()
    return user if user is not None and user.password == entry[1] else None


def basic_user(username: str, password: str):
    """The active user with these credentials, or None."""
    key = _credentials_key(username, password)
    if user := _remembered_user(key):
        return user
    user = authenticate(username=username, password=password)
    if user is None:
        return None
    with _verified_lock:
        if len(_verified) >= CREDENTIALS_MAX:
            _verified.clear()
        _verified[key] = (user.pk, user.password, time.monotonic() + CREDENTIALS_TTL)
    return user


def bearer_user(token: str):
    found = ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()
    return found.user if found is not None and found.user.is_active else None


def request_user(request):
    """The user behind `request`; AnonymousUser when no valid credentials came with it.

    Credentials that are present but wrong also give AnonymousUser, so the caller answers 401 and
    the client may retry, as httplib2 expects.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        if credentials := parse_basic(header):
            return basic_user(*credentials) or AnonymousUser()
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return bearer_user(token.strip()) or AnonymousUser()
        return AnonymousUser()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else AnonymousUser()


def uses_session(request) -> bool:
    """A browser request authenticated by its session cookie (and so subject to CSRF checks)."""
    return not request.META.get("HTTP_AUTHORIZATION") and request.user.is_authenticated
