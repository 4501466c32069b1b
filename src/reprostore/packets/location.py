"""Location entries: `.outpack/location/<location>/<id>`, one small JSON file per packet.

An entry says "packet <id>, whose metadata hashes to <hash>, is known via <location> since
<time>"; `local` means the packet is unpacked here (its metadata and every file are present).
"""

import json
import os
import time as clock
from dataclasses import dataclass

from .errors import BadRequest, BrokenRoot
from .hashing import parse_hash
from .ids import is_packet_id
from .root import is_plain_name, write_once

LOCAL = "local"


@dataclass(frozen=True)
class LocationEntry:
    packet: str
    time: float
    hash: str

    def to_json(self):
        """Compact, in the key order outpack_server writes (packet, time, hash)."""
        data = {"packet": self.packet, "time": self.time, "hash": self.hash}
        return json.dumps(data, separators=(",", ":"))


def now():
    """Seconds since the epoch, truncated to milliseconds as outpack_server writes them."""
    return int(clock.time() * 1000) / 1000


def read_entry(path):
    """Parse one entry file; a bad one names the file (a broken root is not a client error).

    A reindex reads a million of these: plain `open` and `os.path`, not pathlib, which cost
    more than the parsing.
    """
    try:
        with open(path, "rb") as file:
            data = json.loads(file.read())
    except (OSError, ValueError) as e:
        raise BrokenRoot(f"Location file '{path}' is not readable JSON: {e}") from None
    problem = entry_problem(data, os.path.basename(path))
    if problem:
        raise BrokenRoot(f"Location file '{path}' is invalid: {problem}")
    return LocationEntry(data["packet"], float(data["time"]), data["hash"])


def entry_problem(data, file_name):
    if not isinstance(data, dict):
        return "expected a JSON object"
    for key in ("packet", "time", "hash"):
        if key not in data:
            return f"missing field `{key}`"
    if data["packet"] != file_name:
        return f"it is for packet '{data['packet']}', not '{file_name}'"
    if isinstance(data["time"], bool) or not isinstance(data["time"], int | float):
        return f"`time` must be a number, not '{data['time']}'"
    try:
        parse_hash(data["hash"])
    except BadRequest as e:
        return e.message
    return None


def entry_path(root, location, packet_id):
    if not is_plain_name(location) or not is_packet_id(packet_id):
        return None
    return root.location_dir / location / packet_id


def has_entry(root, location, packet_id):
    path = entry_path(root, location, packet_id)
    return path is not None and path.is_file()


def write_entry(root, location, entry):
    """Record a packet in a location unless it is already there; True if written.

    First write wins: the time says when the packet first became known, and rewriting it
    would make `/packit/metadata?known_since=` report old packets as new.
    """
    path = entry_path(root, location, entry.packet)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_once(root, path, entry.to_json().encode())


def location_dirs(root):
    """Location directories in config order, then any the config does not name, by name.

    outpack_server panics on an unnamed directory; listing it last keeps the root servable.
    """
    try:
        present = {d for d in os.listdir(root.location_dir) if (root.location_dir / d).is_dir()}
    except FileNotFoundError:
        return []
    named = [name for name in root.locations if name in present]
    return named + sorted(present - set(named))


def entry_names(root, location):
    """Packet ids with an entry in one location, sorted; other file names are skipped."""
    try:
        names = os.listdir(root.location_dir / location)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(name for name in names if is_packet_id(name))
