"""The outpack envelope: what is particular to the outpack protocol over HTTP.

Clients compare the Content-Type with "application/json" literally before they read an error
envelope (pyorderly's `raise_http_error`, orderly's `http_client_handle_error`), so it carries
no charset; the body is ASCII-only JSON, so none is needed. Everything else (methods, 413, 503)
is the shared plumbing of `lib/http.py`.
"""

import functools
import json
import uuid

from django.http import HttpResponse, StreamingHttpResponse

from reprostore.lib.http import api_view

JSON = "application/json"


def success(data, *, sort_keys=False):
    body = {"status": "success", "data": data, "errors": None}
    return HttpResponse(json.dumps(body, sort_keys=sort_keys), content_type=JSON)


def success_streamed(chunks):
    """`success(data)` for a list that may be long, given as `chunks` of JSON text (each some
    items of `data` joined by ", "): the same bytes, sent as the chunks are read.

    Chunks are read before the response is made up to STREAM_ABOVE characters, so that a
    failure to read (a database that is down) is still answered with the envelope and its
    status, and a short list goes out whole, with its length, as `success` sends it.
    """
    chunks = iter(chunks)
    head, size = [], 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size > STREAM_ABOVE:
            break
    else:
        body = LIST_OPENING + ", ".join(head) + LIST_CLOSING
        return HttpResponse(body, content_type=JSON)

    def body():
        yield LIST_OPENING + ", ".join(head)
        for chunk in chunks:
            yield ", " + chunk
        yield LIST_CLOSING

    return StreamingHttpResponse(body(), content_type=JSON)


# `success` of a list, around its items, as json.dumps writes it.
LIST_OPENING, LIST_CLOSING = '{"status": "success", "data": [', '], "errors": null}'
# Lists whose JSON text is longer than this many characters are streamed.
STREAM_ABOVE = 1_000_000


def failure(error):
    body = {
        "status": "failure",
        "data": None,
        "errors": [{"error": error.kind, "detail": error.message}],
    }
    return HttpResponse(json.dumps(body), status=error.status, content_type=JSON)


def outpack_api(endpoint, methods):
    """Wrap an outpack route: the shared plumbing with this envelope, and a request id.

    `endpoint` is the route pattern as outpack_server names it (`/file/:hash`), the label the
    request metrics use.
    """

    def decorate(view):
        wrapped = api_view(methods, envelope=failure, endpoint=endpoint)(view)

        @functools.wraps(wrapped)
        def wrapper(request, *args, **kwargs):
            return with_request_id(request, wrapped(request, *args, **kwargs))

        return wrapper

    return decorate


def with_request_id(request, response):
    """Echo the client's x-request-id, or make one, so a log line can be matched to a call."""
    response["x-request-id"] = request.headers.get("x-request-id") or str(uuid.uuid4())
    return response
