"""Exceptions for the outpack API: each carries its HTTP status and the envelope's short kind.

They are raised where a problem is found and rendered in one place (`responses.py`), so a
message written here is the `detail` a client such as pyorderly shows to its user.
"""


class OutpackError(Exception):
    """A failure that becomes `{"error": kind, "detail": detail}` with `status`."""

    def __init__(self, status, kind, detail):
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail


class BadRequest(OutpackError):
    """Bad input from the client: a malformed id or hash, a mismatch, a missing file."""

    def __init__(self, detail, kind="invalid input parameter"):
        super().__init__(400, kind, detail)


class InvalidData(BadRequest):
    """An uploaded body that is not the packet metadata it claims to be."""

    def __init__(self, detail):
        super().__init__(detail, kind="invalid data")


class NotFound(OutpackError):
    def __init__(self, detail, kind="entity not found"):
        super().__init__(404, kind, detail)


class Unauthorized(OutpackError):
    def __init__(self, detail):
        super().__init__(401, "unauthorized", detail)


class Forbidden(OutpackError):
    def __init__(self, detail):
        super().__init__(403, "forbidden", detail)


class BrokenRoot(OutpackError):
    """A file in the outpack root that the server cannot read: the root, not the request, is bad.

    It is a 500 because no request can fix it, but its detail names the file and what is wrong
    so that whoever runs the server knows what to repair.
    """

    def __init__(self, detail):
        super().__init__(500, "invalid data", detail)


class RootError(ValueError):
    """An outpack root that cannot be created or served; the message is one sentence."""
