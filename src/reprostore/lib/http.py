"""The HTTP plumbing both protocols share: one error hierarchy and one view decorator.

An error carries its status and the headers that go with it (the Basic challenge, `Allow`,
`Retry-After`); it is raised where the problem is found. `api_view` turns it into a response
with the protocol's own envelope, which is all a protocol supplies. The decorator also checks
the method, applies the CSRF policy, and answers a body over the size limit (413) and a database
that is down or locked (503 with `Retry-After`) the same way for every route.
"""

import functools
import logging

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

log = logging.getLogger(__name__)

BASIC_CHALLENGE = 'Basic realm="reprostore"'
RETRY_AFTER_SECONDS = 5
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class HttpError(Exception):
    """A failure answered with `status`; `kind` is the short name outpack's envelope shows."""

    status = 500
    kind = "error"

    def __init__(self, message: str, *, kind: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind
        self.headers = {**self.default_headers(), **(headers or {})}

    def default_headers(self) -> dict:
        return {}


class BadRequest(HttpError):
    status, kind = 400, "invalid input parameter"


class Unauthorized(HttpError):
    status, kind = 401, "unauthorized"

    def default_headers(self) -> dict:
        # httplib2 (smt) and requests only send credentials after a challenge.
        return {"WWW-Authenticate": BASIC_CHALLENGE}


class Forbidden(HttpError):
    status, kind = 403, "forbidden"


class NotFound(HttpError):
    status, kind = 404, "entity not found"


class MethodNotAllowed(HttpError):
    status, kind = 405, "METHOD_NOT_ALLOWED"

    def __init__(self, method: str, allowed):
        allowed = sorted(allowed)
        super().__init__(
            f"{method} is not allowed here (allowed: {', '.join(allowed)})",
            headers={"Allow": ", ".join(allowed)},
        )


class NotAcceptable(HttpError):
    status, kind = 406, "not acceptable"


class Conflict(HttpError):
    status, kind = 409, "conflict"


class TooLarge(HttpError):
    status, kind = 413, "payload too large"


class Unavailable(HttpError):
    """The store can't answer now (database down, lock not cleared): the client may retry."""

    status, kind = 503, "service unavailable"

    def default_headers(self) -> dict:
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}


class ServerError(HttpError):
    status, kind = 500, "UNKNOWN_ERROR"


def allowed_methods(methods) -> set[str]:
    allowed = set(methods)
    return allowed | {"HEAD"} if "GET" in allowed else allowed


def csrf_failure(request):
    """The CSRF check for a write made by a browser session; None when it passes or does not
    apply. Clients that send credentials on each request (Basic, tokens) carry no cookie a
    third-party site could ride on."""
    if request.method in SAFE_METHODS or request.META.get("HTTP_AUTHORIZATION"):
        return None
    if not request.user.is_authenticated:
        return None
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})


def api_view(methods, *, envelope, endpoint: str):
    """Decorate an API view: allowed methods, CSRF policy and every failure in `envelope`.

    `envelope(error) -> HttpResponse` writes the protocol's error body; the error's headers are
    added here. `endpoint` names the route for the request metrics (`metrics_endpoint`).
    """
    allowed = allowed_methods(methods)

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in allowed:
                return error_response(MethodNotAllowed(request.method, allowed), envelope)
            if failure := csrf_failure(request):
                return failure
            try:
                return view(request, *args, **kwargs)
            except Exception as error:  # noqa: BLE001 - every failure gets the envelope
                return error_response(as_http_error(request, error), envelope)

        wrapper.metrics_endpoint = endpoint
        return wrapper

    return decorate


def as_http_error(request, error: Exception) -> HttpError:
    """What to answer for an exception raised by a view."""
    if isinstance(error, HttpError):
        return error
    if isinstance(error, RequestDataTooBig):
        return TooLarge("The request body is too large for this server")
    if isinstance(error, OperationalError | InterfaceError):
        # A database that is down or a lock that did not clear: say so, so that the client
        # reports a failure (and may retry) instead of believing its write was kept.
        log.warning("database unavailable: %s", error)
        return Unavailable(f"The database is unavailable: {error}")
    if isinstance(error, DatabaseError):
        log.exception("database error in %s %s", request.method, request.path)
        return Unavailable(f"The database refused the request: {error}")
    log.exception("unexpected error in %s %s", request.method, request.path)
    return ServerError("Something went wrong")


def error_response(error: HttpError, envelope):
    response = envelope(error)
    response.status_code = error.status
    for name, value in error.headers.items():
        response[name] = value
    return response


def negotiated(api_view_, page_view, offered=("application/json",)):
    """One URL, two views: the HTML page for a browser (or `?format=html`), else the API.

    `offered` are the API's media types, so that an Accept header preferring one of them to
    HTML gets the API. Only reads (GET, HEAD) are ever pages; writes always reach the API view.
    """

    @csrf_exempt
    @functools.wraps(api_view_)
    def dispatch(request, *args, **kwargs):
        page = request.method in ("GET", "HEAD") and wants_html(request, offered)
        return (page_view if page else api_view_)(request, *args, **kwargs)

    return dispatch


def wants_html(request, offered=("application/json",)) -> bool:
    """`?format=html`, or an Accept header that prefers HTML to what the API offers."""
    wanted = request.GET.get("format")
    if wanted is not None:
        return wanted == "html"
    if not request.headers.get("Accept", "").strip():
        return False
    return request.get_preferred_type([*offered, "text/html"]) == "text/html"
