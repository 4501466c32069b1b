"""`GET /outpack/query?q=...&this=...`: the query language over HTTP, in the outpack envelope.

outpack_server has no such route. It answers as the other outpack GET routes do (same access
policy, same envelope), with the matching ids sorted.
"""

import json

from reprostore.packets import api
from reprostore.packets.access import READ, ensure_access
from reprostore.packets.errors import BadRequest
from reprostore.packets.responses import outpack_view, success
from reprostore.query.packets import search

GET = ("GET", "HEAD")


@outpack_view("/query", GET)
def query(request):
    ensure_access(request, READ)
    text = request.GET.get("q")
    if text is None:
        raise BadRequest("Missing query: pass it as ?q=..., e.g. ?q=latest", kind="invalid query")
    this = parse_this(request.GET.get("this"))
    api.synced_root()
    try:
        return success(search(text, this=this))
    except ValueError as error:
        # A failed `single` is the query's fault as much as a syntax error: the same request
        # fails the same way until the packets change, so it is a 400, not a 404 or a 500.
        raise BadRequest(str(error), kind="invalid query") from None


def parse_this(text):
    """The `this` values: a JSON object, or None when not given."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise BadRequest(
            f"Invalid this '{text}': expected a JSON object such as {{\"a\": 1}}",
            kind="invalid query",
        )
    return value
