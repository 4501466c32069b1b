"""The HTTP plumbing both protocols share: one error hierarchy and one view decorator.

An error carries its status and the headers that go with it (the Basic challenge, `Allow`,
`Retry-After`); it is raised where the problem is found. `api_view` turns it into a response
with the protocol's own envelope, which is all a protocol supplies. The decorator also checks
the method, applies the CSRF policy, and answers a body over the size limit (413), a value the
database can't hold (400), a full disk (507) and a database that is down or locked (503 with
`Retry-After`) the same way for every route.
"""

import errno
import functools
import logging

from django.core.exceptions import RequestDataTooBig
from django.db import (
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
)
from django.http import FileResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt

from reprostore.lib.same_origin import cross_site_origin

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


class UnsupportedMediaType(HttpError):
    status, kind = 415, "unsupported media type"


class TooManyRequests(HttpError):
    """Too many failed sign-ins from this address or for this user: try again later."""

    status, kind = 429, "too many requests"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})


class Unavailable(HttpError):
    """The store can't answer now (database down, lock not cleared): the client may retry."""

    status, kind = 503, "service unavailable"

    def default_headers(self) -> dict:
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}


class InsufficientStorage(HttpError):
    """The disk (or the database's) is full: nothing was kept, and reads still work."""

    status, kind = 507, "insufficient storage"


class ServerError(HttpError):
    status, kind = 500, "UNKNOWN_ERROR"


def allowed_methods(methods) -> set[str]:
    allowed = set(methods)
    return allowed | {"HEAD"} if "GET" in allowed else allowed


def csrf_failure(request) -> HttpError | None:
    """Why a write must be refused as forged by another site, or None.

    CSRF protection follows what a browser could send, not the credentials: a browser attaches
    Basic credentials it cached as readily as its session cookie to a form another site makes it
    submit. So a write that names another site as its origin is refused whatever the
    credentials (lib/same_origin.py), and a write made with a session also needs Django's CSRF
    token. Clients that name no origin (smt, pyorderly, curl) are not browsers.
    """
    if request.method in SAFE_METHODS:
        return None
    if origin := cross_site_origin(request):
        return Forbidden(f"Cross-site request refused: it was sent from '{origin}'")
    if request.META.get("HTTP_AUTHORIZATION") or not request.user.is_authenticated:
        return None
    if CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is not None:
        return Forbidden("Cross-site request refused: the CSRF token is missing or incorrect")
    return None


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
                return error_response(MethodNotAllowed(request.method, allowed), envelope, request)
            if failure := csrf_failure(request) or credentials_refusal(request):
                return error_response(failure, envelope, request)
            try:
                return view(request, *args, **kwargs)
            except Exception as error:  # noqa: BLE001 - every failure gets the envelope
                return error_response(as_http_error(request, error), envelope, request)

        wrapper.metrics_endpoint = endpoint
        return wrapper

    return decorate


def as_http_error(request, error: Exception) -> HttpError:
    """What to answer for an exception raised by a view."""
    if isinstance(error, HttpError):
        return error
    if isinstance(error, RequestDataTooBig):
        return TooLarge("The request body is too large for this server")
    if isinstance(error, MultiPartParserError):
        return BadRequest(f"The form in the request body can't be read: {error}")
    if is_disk_full(error):
        log.error("no space left: %s %s: %s", request.method, request.path, error)
        return InsufficientStorage(NO_SPACE)
    if isinstance(error, DataError | IntegrityError):
        # A value the database can't hold (NUL in text, a date out of its range): the same
        # request fails the same way every time, so it is the request's fault, not an outage.
        log.warning("database refused a value in %s %s: %s", request.method, request.path, error)
        return BadRequest(f"The database can't store a value in this request: {first_line(error)}")
    if isinstance(error, OperationalError | InterfaceError | InternalError):
        # A database that is down or a lock that did not clear: say so, so that the client
        # reports a failure (and may retry) instead of believing its write was kept.
        log.warning("database unavailable: %s", error)
        return Unavailable(f"The database is unavailable: {first_line(error)}")
    if isinstance(error, RecursionError):
        log.warning("input nested too deeply in %s %s", request.method, request.path)
        return BadRequest("The request is nested too deeply to be read")
    log.exception("unexpected error in %s %s", request.method, request.path)
    return ServerError("Something went wrong")


NO_SPACE = "No space left on the store: nothing was kept; reads still work"
# errno of a full disk or an exhausted quota; SQLite's and PostgreSQL's codes for the same.
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
DISK_FULL_SQLITE = {"SQLITE_FULL"}
DISK_FULL_SQLSTATE = {"53100"}  # disk_full


def is_disk_full(error: BaseException) -> bool:
    """Whether `error`, or what caused it, says the disk or the database is full."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            return True
        if getattr(error, "sqlite_errorname", None) in DISK_FULL_SQLITE:
            return True
        if getattr(error, "sqlstate", None) in DISK_FULL_SQLSTATE:
            return True
        error = error.__cause__ or error.__context__
    return False


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def credentials_refusal(request) -> HttpError | None:
    """Why the credentials sent with the request could not be checked, or None: too many failed
    sign-ins (accounts/throttle.py), or a database that can't answer (accounts/middleware.py)."""
    return getattr(request, "credentials_refusal", None)


def error_response(error: HttpError, envelope, request=None):
    response = envelope(error)
    response.status_code = error.status
    for name, value in response_headers(request, error).items():
        response[name] = value
    if "WWW-Authenticate" in error.headers:
        patch_vary_headers(response, ["Accept"])
    return response


def response_headers(request, error: HttpError) -> dict:
    """The error's headers, without the Basic challenge for a browser (an Accept header that
    prefers HTML): a browser that is challenged asks for a password, then sends it with every
    request to this site, forms that other sites make it submit included. httplib2 (smt) and
    requests (pyorderly) prefer JSON or send no Accept, and get the challenge they need."""
    if request is None or not prefers_html(request):
        return error.headers
    return {name: value for name, value in error.headers.items() if name != "WWW-Authenticate"}


def prefers_html(request) -> bool:
    return request.get_preferred_type(["application/json", "text/html"]) == "text/html"


def negotiated(api_view_, page_view, offered=("application/json",)):
    """One URL, two views: the HTML page for a browser (or `?format=html`), else the API.

    `offered` are the API's media types, so that an Accept header preferring one of them to
    HTML gets the API. Only reads (GET, HEAD) are ever pages; writes always reach the API view.
    """

    @csrf_exempt
    @functools.wraps(api_view_)
    def dispatch(request, *args, **kwargs):
        page = request.method in ("GET", "HEAD") and wants_html(request, offered)
        response = (page_view if page else api_view_)(request, *args, **kwargs)
        # Caches must keep the page and the JSON of one URL apart.
        patch_vary_headers(response, ["Accept"])
        return response

    return dispatch


def wants_html(request, offered=("application/json",)) -> bool:
    """`?format=html`, or an Accept header that prefers HTML to what the API offers."""
    wanted = request.GET.get("format")
    if wanted is not None:
        return wanted == "html"
    if not request.headers.get("Accept", "").strip():
        return False
    return request.get_preferred_type([*offered, "text/html"]) == "text/html"


# A downloaded file goes out in blocks of this size. `serve`'s gevent workers have no
# cooperative sendfile (gevent's `socket.sendfile` is a loop of 8 KB reads and sends: 1 GB took
# 1.7-2 s), so `serve` turns gunicorn's sendfile off for them and gunicorn writes the file
# wrapper's blocks instead; Django's default block is 4 KB.
FILE_BLOCK_BYTES = 1024 * 1024


def file_response(file, **kwargs) -> FileResponse:
    """Django's FileResponse for `file`, sent in blocks of FILE_BLOCK_BYTES."""
    response = FileResponse(file, **kwargs)
    response.block_size = FILE_BLOCK_BYTES
    return response
