"""Packet ids: `YYYYMMDD-HHMMSS-xxxxxxxx`, validated before they touch the file system.

Two rules, as in the protocol:
- ids the server *stores* (an uploaded packet, a file name it lists) must be lower-case hex,
  as in the outpack schema and pyorderly, which rejects anything else when it pulls;
- ids a client merely *asks about* (`/packets/missing`, `depends[].packet`) may use upper-case
  hex, as outpack_server accepts them; they are then simply not found.
Both are plain names, so neither can carry a path separator or `..`.
"""

import re
from datetime import UTC, datetime

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


def id_time(packet_id):
    """When a stored id says its packet was made (UTC), or BadRequest if that is no date."""
    try:
        return datetime.strptime(packet_id[:15], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise BadRequest(f"Invalid packet id '{packet_id}': its time is not a date") from None


def check_not_ahead(packet_id, now, margin_seconds):
    """Refuse an id whose time is more than `margin_seconds` after `now`.

    `latest()` is the greatest id, so a packet from the future would be the newest until then,
    whatever is pushed meanwhile.
    """
    ahead = (id_time(packet_id) - now).total_seconds()
    if ahead > margin_seconds:
        raise BadRequest(
            f"Packet id '{packet_id}' is {describe_seconds(ahead)} ahead of this server's clock "
            f"(at most {describe_seconds(margin_seconds)} is allowed): check the clock of the "
            "machine that made it",
            kind="invalid data",
        )


def describe_seconds(seconds):
    seconds = int(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
