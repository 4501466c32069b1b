"""Know the caller once: `request.user` for credentials sent with the request.

Browsers sign in with a session (Django's AuthenticationMiddleware). Scripts and the Sumatra
and outpack clients send `Authorization: Basic …` or `Bearer …` with every request instead; this
middleware, placed after AuthenticationMiddleware, authenticates those through the backends and
sets `request.user`, without a session. Credentials that are present but wrong give the
anonymous user, so the view answers 401 and the client may retry, as httplib2 expects.
`request.auth_scheme` says how the caller was known: "session", "basic", "bearer" or None.
After too many failed sign-ins, credentials are refused unchecked (throttle.py) and
`request.credentials_refusal` holds the 429 that the API views answer.
"""

import base64
import binascii

from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError
from django.utils.cache import patch_vary_headers

from reprostore.lib.http import as_http_error


def parse_authorization(header: str) -> tuple[str, dict]:
    """("basic", {username, password}), ("bearer", {token}), or ("", {}) if unreadable."""
    scheme, _, value = header.strip().partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "basic", {}
        username, colon, password = decoded.partition(":")
        # No user name or password holds NUL (PostgreSQL text can't): unreadable, not an error.
        readable = colon and "\x00" not in decoded
        return "basic", ({"username": username, "password": password} if readable else {})
    if scheme == "bearer" and value and "\x00" not in value:
        return "bearer", {"token": value}
    return scheme, {}


class CredentialsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header:
            scheme, credentials = parse_authorization(header)
            user = checked(request, credentials) if credentials else None
            request.user = user or AnonymousUser()
            request.auth_scheme = scheme
        else:
            request.auth_scheme = None
        response = self.get_response(request)
        # Who the caller is decides the answer, so a cache must not hand one caller's to another.
        patch_vary_headers(response, ["Authorization"])
        return response


def checked(request, credentials: dict):
    """The user the credentials belong to, or None; a database that can't answer leaves its
    503 on the request (`credentials_refusal`) for the API views, instead of a 500 page."""
    try:
        return authenticate(request, **credentials)
    except DatabaseError as error:
        request.credentials_refusal = as_http_error(request, error)
        return None


def via_session(request) -> bool:
    """A browser request known by its session cookie (and so open to cross-site forgery)."""
    return getattr(request, "auth_scheme", None) is None and request.user.is_authenticated
