"""The outpack API's errors: the shared hierarchy of `lib/http.py` with outpack's short kinds.

They are raised where a problem is found and rendered in one place (`responses.py`), so a
message written here is the `detail` a client such as pyorderly shows to its user.
"""

from reprostore.lib import http


class OutpackError(http.HttpError):
    """A failure that becomes `{"error": kind, "detail": detail}` with `status`."""

    def __init__(self, status, kind, detail):
        super().__init__(detail, kind=kind)
        self.status = status


class BadRequest(http.BadRequest):
    """Bad input from the client: a malformed id or hash, a mismatch, a missing file."""

    def __init__(self, detail, kind="invalid input parameter"):
        super().__init__(detail, kind=kind)


class InvalidData(BadRequest):
    """An uploaded body that is not the packet metadata it claims to be."""

    def __init__(self, detail):
        super().__init__(detail, kind="invalid data")


class NotFound(http.NotFound):
    def __init__(self, detail, kind="entity not found"):
        super().__init__(detail, kind=kind)


class BrokenRoot(OutpackError):
    """A file in the outpack root that the server cannot read: the root, not the request, is bad.

    It is a 500 because no request can fix it, but its detail names the file and what is wrong
    so that whoever runs the server knows what to repair.
    """

    def __init__(self, detail):
        super().__init__(500, "invalid data", detail)


class RootError(ValueError):
    """An outpack root that cannot be created or served; the message is one sentence."""
