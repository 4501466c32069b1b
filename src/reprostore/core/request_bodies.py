"""Receive a request's body before Django sees it (the WSGI application `serve` runs).

`serve`'s gevent workers give each connection a greenlet, so a client that sends its body a
byte at a time costs almost nothing while it does. Django, though, opens a database connection
(for the session, for Basic credentials) before a view reads the body: a hundred trickling
record PUTs would hold a hundred database connections. So the body is received here first,
cooperatively, and Django is handed a complete request.

Bodies above the limit on what Django holds in memory (DATA_UPLOAD_MAX_MEMORY_SIZE: only outpack
files are that large) stream through as before, so that a file of gigabytes is not copied twice.
"""

import tempfile

from django.conf import settings

CHUNK = 64 * 1024
# A body is kept in memory up to this size, then in a temporary file.
IN_MEMORY = 1024 * 1024


def receive_body_first(application):
    def wrapped(environ, start_response):
        length = content_length(environ)
        if 0 < length <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
            environ["wsgi.input"] = received(environ["wsgi.input"], length)
        return application(environ, start_response)

    return wrapped


def content_length(environ) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def received(stream, length: int):
    """The first `length` bytes of `stream` (fewer if the client stops), as a file."""
    body = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 - Django closes it
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(CHUNK, remaining))
        if not chunk:
            break
        body.write(chunk)
        remaining -= len(chunk)
    body.seek(0)
    return body
