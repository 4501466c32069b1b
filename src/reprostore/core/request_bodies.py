"""Receive a request's body before Django sees it (the WSGI application `serve` runs).

`serve`'s gevent workers give each connection a greenlet, so a client that sends its body a
byte at a time costs almost nothing while it does. Django, though, opens a database connection
(for the session, for Basic credentials) before a view reads the body: a hundred trickling
record PUTs would hold a hundred database connections. So the body is received here first,
cooperatively, and Django is handed a complete request.

Bodies above the limit on what Django holds in memory (DATA_UPLOAD_MAX_MEMORY_SIZE: only outpack
files are that large) stream through as before, so that a file of gigabytes is not copied twice.

A large body that Django did hold (a record PUT of tens of megabytes) is freed as soon as its
response is sent. Django's requests are cyclic garbage (`request.user` is a lazy object whose
function refers back to the request), so without a collection each one kept its `request.body`
until Python's occasional full collection: a worker grew by one body per large PUT (60 MB each,
to 1.9 GB after 24 of them; benchmarks/big_records.py).
"""

import gc
import tempfile

from django.conf import settings

from reprostore.lib.large_bodies import LARGE_BODY_BYTES, give_back_memory

CHUNK = 64 * 1024
# A body is kept in memory up to this size, then in a temporary file.
IN_MEMORY = 1024 * 1024


def receive_body_first(application):
    def wrapped(environ, start_response):
        length = content_length(environ)
        held = 0 < length <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
        if held:
            environ["wsgi.input"] = received(environ["wsgi.input"], length)
        response = application(environ, start_response)
        if held and length >= LARGE_BODY_BYTES:
            return FreedWhenClosed(response)
        return response

    return wrapped


class FreedWhenClosed:
    """A response whose request's memory goes back to the system once the server closes it."""

    def __init__(self, response):
        self.response = response

    def __iter__(self):
        return iter(self.response)

    def close(self):
        try:
            if hasattr(self.response, "close"):
                self.response.close()
        finally:
            gc.collect()
            give_back_memory()


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
