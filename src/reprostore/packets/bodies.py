"""Request bodies: JSON documents checked at the edge, in outpack_server's error wording."""

import json

from .errors import BadRequest

NOT_JSON = "Failed to parse the request body as JSON"
WRONG_SHAPE = "Failed to deserialize the JSON body into the target type"


def json_body(request, fields):
    """The JSON object in the body, with `fields` ({name: (type, description)}) checked."""
    if request.content_type != "application/json":
        raise BadRequest("Expected request with `Content-Type: application/json`")
    try:
        data = json.loads(request.body)
    except ValueError as e:
        raise BadRequest(f"{NOT_JSON}: {e}", kind=NOT_JSON) from None
    if not isinstance(data, dict):
        raise BadRequest(f"{WRONG_SHAPE}: expected a JSON object", kind=WRONG_SHAPE)
    for name, (check, description) in fields.items():
        if name not in data:
            raise BadRequest(f"{WRONG_SHAPE}: missing field `{name}`", kind=WRONG_SHAPE)
        if not check(data[name]):
            raise BadRequest(f"{WRONG_SHAPE}: `{name}` must be {description}", kind=WRONG_SHAPE)
    return data


def is_string_list(value):
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def is_bool(value):
    return isinstance(value, bool)


def upload_stream(request):
    """The body of a file upload as a stream, read in chunks by the store.

    Django reads `CONTENT_LENGTH` bytes from `request`; a chunked upload has no length, so its
    body is read from the server's input stream, which gunicorn ends at the last chunk.
    """
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        return request.META["wsgi.input"]
    return request
