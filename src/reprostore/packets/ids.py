"""Packet ids: `YYYYMMDD-HHMMSS-xxxxxxxx`, validated before they touch the file system.

Two rules, as in the protocol:
- ids the server *stores* (an uploaded packet, a file name it lists) must be lower-case hex,
  as in the outpack schema and pyorderly, which rejects anything else when it pulls;
- ids a client merely *asks about* (`/packets/missing`, `depends[].packet`) may use upper-case
  hex, as outpack_server accepts them; they are then simply not found.
Both are plain names, so neither can carry a path separator or `..`.
"""

import re

from .errors import BadRequest

STORED_ID = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{8}")
REQUESTED_ID = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-fA-F]{8}")


def is_packet_id(name):
    """Whether `name` is an id this server stores (a file name it may read or list)."""
    return isinstance(name, str) and STORED_ID.fullmatch(name) is not None


def parse_requested_id(value):
    """The trimmed id from a request, or BadRequest quoting the value as sent."""
    if isinstance(value, str) and REQUESTED_ID.fullmatch(value.strip()):
        return value.strip()
    raise BadRequest(f"Invalid packet id '{value}'")


def check_new_packet_id(value):
    """An id that is about to become a file name in the root."""
    if is_packet_id(value):
        return value
    raise BadRequest(
        f"Invalid packet id '{value}': expected 'YYYYMMDD-HHMMSS-xxxxxxxx' with lower-case hex"
    )
