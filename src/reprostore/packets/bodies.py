"""Request bodies: JSON documents checked at the edge, in outpack_server's error wording."""

from reprostore.lib import client_json
from reprostore.lib.http import TooLarge

from .errors import BadRequest

NOT_JSON = "Failed to parse the request body as JSON"
WRONG_SHAPE = "Failed to deserialize the JSON body into the target type"


def json_body(request, fields):
    """The JSON object in the body, with `fields` ({name: (type, description)}) checked."""
    if request.content_type != "application/json":
        raise BadRequest("Expected request with `Content-Type: application/json`")
    try:
        data = client_json.loads(request.body)
    except client_json.ClientJSONError as e:
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


def limited_upload(request, limit):
    """`upload_stream(request)`, refused with 413 once it is longer than `limit` bytes.

    A declared length over the limit is refused before a byte is read; a chunked body, whose
    length nobody declares, when the store has read one byte too many (the store then deletes
    its temporary file).
    """
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    return LimitedStream(upload_stream(request), limit)


def too_large(limit):
    return TooLarge(
        f"The file is larger than this server accepts: at most {limit} bytes "
        "(REPROSTORE_OUTPACK_MAX_FILE)"
    )


class LimitedStream:
    """A stream that fails with 413 when more than `limit` bytes come out of it."""

    def __init__(self, stream, limit):
        self.stream = stream
        self.limit = limit
        self.read_so_far = 0

    def read(self, size=-1):
        # One byte more than the limit is asked for, so that a body of exactly the limit passes.
        room = self.limit + 1 - self.read_so_far
        chunk = self.stream.read(room if size is None or size < 0 else min(size, room))
        self.read_so_far += len(chunk)
        if self.read_so_far > self.limit:
            raise too_large(self.limit)
        return chunk
