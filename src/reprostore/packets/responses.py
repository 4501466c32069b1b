"""The outpack envelope, the one place errors become responses, and the per-route wrapper.

Clients compare the Content-Type with "application/json" literally before they read an error
envelope (pyorderly's `raise_http_error`, orderly's `http_client_handle_error`), so it carries
no charset; the body is ASCII-only JSON, so none is needed.
"""

import functools
import json
import logging
import time
import uuid

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from . import metrics
from .errors import OutpackError

JSON = "application/json"
BASIC_CHALLENGE = 'Basic realm="reprostore"'
logger = logging.getLogger(__name__)


def success(data, *, sort_keys=False):
    body = {"status": "success", "data": data, "errors": None}
    return HttpResponse(json.dumps(body, sort_keys=sort_keys), content_type=JSON)


def failure(error):
    body = {
        "status": "failure",
        "data": None,
        "errors": [{"error": error.kind, "detail": error.detail}],
    }
    response = HttpResponse(json.dumps(body), status=error.status, content_type=JSON)
    if error.status == 401:
        response["WWW-Authenticate"] = BASIC_CHALLENGE
    for name, value in getattr(error, "headers", {}).items():
        response[name] = value
    return response


def unexpected_failure():
    return failure(OutpackError(500, "UNKNOWN_ERROR", "Something went wrong"))


def outpack_view(endpoint, methods):
    """Wrap an outpack route: method check, error envelope, request id and metrics.

    `endpoint` is the route pattern as outpack_server names it (`/file/:hash`), the label the
    request metrics use.
    """

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            started = time.perf_counter()
            with metrics.in_flight(endpoint, request.method):
                response = respond(view, methods, request, *args, **kwargs)
            metrics.observe(endpoint, request.method, response.status_code, started)
            return with_request_id(request, response)

        return wrapper

    return decorate


def respond(view, methods, request, *args, **kwargs):
    try:
        if request.method not in methods:
            raise MethodNotAllowed(request.method, methods)
        return view(request, *args, **kwargs)
    except OutpackError as error:
        return failure(error)
    except Exception:
        logger.exception("Unexpected error in %s %s", request.method, request.path)
        return unexpected_failure()


class MethodNotAllowed(OutpackError):
    def __init__(self, method, allowed):
        super().__init__(
            405,
            "METHOD_NOT_ALLOWED",
            f"Method {method} is not allowed here; use {'/'.join(allowed)}",
        )
        self.headers = {"Allow": ", ".join(allowed)}


def with_request_id(request, response):
    """Echo the client's x-request-id, or make one, so a log line can be matched to a call."""
    response["x-request-id"] = request.headers.get("x-request-id") or str(uuid.uuid4())
    return response
