"""Bounding the memory that large request bodies take in one server process.

A JSON body is read whole, parsed and written to the database: a 60 MB record PUT took a
worker's peak memory up by 355 MB (the bytes, their text, the parsed document, and the copies
the database driver encodes for the record and its revision). Eight at once took a worker from
122 MB to 1.6 GB. Record bodies that large are rare (a long run's captured output, a big diff),
so rather than refuse them, each process works on one at a time: the others wait for the slot,
and after WAIT_SECONDS are told to retry (503). Small bodies never wait.
"""

import ctypes
import ctypes.util
import threading
from contextlib import contextmanager

from django.db import connection

from reprostore.lib.http import Unavailable

LARGE_BODY_BYTES = 8 * 1024 * 1024
SLOTS = 1
WAIT_SECONDS = 120

_slots = threading.BoundedSemaphore(SLOTS)


def declared_length(request) -> int:
    length = request.META.get("CONTENT_LENGTH") or ""
    return int(length) if length.isdigit() else 0


@contextmanager
def large_body_slot(request):
    """Hold this process's slot for large bodies while the block reads and stores the body.

    Enter it before `request.body` is first read: the waiting is what keeps the bytes out of
    memory. A chunked body declares no length; Django refuses those for `request.body`.
    """
    if declared_length(request) < LARGE_BODY_BYTES:
        yield
        return
    if not _slots.acquire(blocking=False):
        # Wait without a database connection: with a pool of a few, eight waiting PUTs held
        # them all, and the request with the slot timed out waiting for one (a 503).
        if not connection.in_atomic_block:
            connection.close()
        if not _slots.acquire(timeout=WAIT_SECONDS):
            raise Unavailable(
                "The server is busy storing other large requests; try again in a moment"
            )
    try:
        yield
    finally:
        _slots.release()
        forget_connection_buffers()


def forget_connection_buffers() -> None:
    """Let the PostgreSQL connection that carried a large body go, instead of keeping it.

    libpq keeps a connection's send and receive buffers at the largest message they ever held:
    each connection that once carried a 60 MB record held 60 MB for the rest of its life (six
    pooled connections, 360 MB a worker). Large bodies are rare, so their connections are
    replaced: with a pool, `drain()` closes the connection when it is returned (and renews the
    idle ones); without one, the connection is closed, and a later query opens a new one.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    if connection.pool is not None:
        connection.pool.drain()
    else:
        connection.close()


def give_back_memory() -> None:
    """Return the memory freed after a large body to the system, where the C library can
    (core/request_bodies.py calls it once the request is gone).

    glibc keeps freed memory in the arena of the thread that used it: without this, each thread
    that handled a large body held on to its peak (four 30 MB PUTs on four threads left a
    worker at 622 MB).
    """
    if _malloc_trim is not None:
        _malloc_trim(0)


def _find_malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_malloc_trim = _find_malloc_trim()
