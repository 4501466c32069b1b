"""Packet metadata: `.outpack/metadata/<id>`, stored byte-for-byte.

The metadata hash is taken over the exact bytes of the file, so these bytes are never
re-serialised; parsing them only extracts what the server checks and indexes.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from reprostore.lib import client_json

from .errors import BadRequest, BrokenRoot, InvalidData, NotFound
from .hashing import hash_bytes, parse_hash
from .ids import check_new_packet_id, is_packet_id, parse_requested_id
from .root import is_plain_name, is_relative_path, write_once

# The index keeps sizes in a 64-bit integer column.
MAX_FILE_SIZE = 2**63 - 1


@dataclass(frozen=True)
class PacketFile:
    path: str
    hash: str
    size: int


@dataclass(frozen=True)
class Dependency:
    packet: str
    query: str | None


@dataclass(frozen=True)
class Metadata:
    id: str
    name: str
    parameters: dict | None
    time_start: float
    time_end: float
    files: tuple[PacketFile, ...]
    depends: tuple[Dependency, ...]
    custom: object


def parse_metadata(body):
    """Check uploaded or stored metadata and extract its parts; InvalidData says what is wrong.

    Checks what outpack_server needs (fields in its order: id, name, files, depends, time),
    plus what keeps clients safe: the id must be a stored id and file paths must be relative.
    """
    data = decode_json(body)
    for field in ("id", "name", "files", "depends", "time"):
        if field not in data:
            raise InvalidData(f"Malformed metadata: missing field `{field}`")
    packet_id = check_new_packet_id(expect(data, "id", str))
    return Metadata(
        id=packet_id,
        name=check_name(expect(data, "name", str)),
        parameters=parse_parameters(data.get("parameters")),
        time_start=expect_number(expect(data, "time", dict), "time.start"),
        time_end=expect_number(data["time"], "time.end"),
        files=tuple(parse_file(x, packet_id) for x in expect(data, "files", list)),
        depends=tuple(parse_dependency(x) for x in expect(data, "depends", list)),
        custom=data.get("custom"),
    )


def decode_json(body):
    """JSON as outpack's serde reads it and the index's columns can hold: NaN, Infinity and
    numbers beyond a double, lone surrogates and NUL are refused before anything is written."""
    try:
        data = client_json.loads(body, allow_nul=False)
    except client_json.ClientJSONError as e:
        raise InvalidData(f"Malformed metadata: {e}") from None
    if not isinstance(data, dict):
        raise InvalidData(f"Malformed metadata: expected a JSON object, not {type_name(data)}")
    return data


def check_name(name):
    """A name the pages can route and a path archive can use as a directory."""
    if not is_plain_name(name) or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise BadRequest(
            f"Invalid packet name {json.dumps(name)}: a name must not be empty, '.' or '..', "
            "nor hold '/' or control characters"
        )
    return name


def expect(data, key, kind):
    value = data[key]
    if not isinstance(value, kind):
        raise InvalidData(
            f"Malformed metadata: `{key}` must be {type_name(kind())}, not {type_name(value)}"
        )
    return value


def expect_number(data, where):
    key = where.rsplit(".", 1)[-1]
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidData(f"Malformed metadata: `{where}` must be a number, not {type_name(value)}")
    if not client_json.fits_double(value):
        raise InvalidData(f"Malformed metadata: `{where}` is a number beyond ±1.8e308")
    return float(value)


def parse_parameters(value):
    if value is not None and not isinstance(value, dict):
        raise InvalidData(
            f"Malformed metadata: `parameters` must be null or an object, not {type_name(value)}"
        )
    return value


def parse_file(entry, packet_id):
    if not isinstance(entry, dict):
        raise InvalidData(f"Malformed metadata: a `files` entry is {type_name(entry)}")
    for key, kind in (("path", str), ("hash", str), ("size", int)):
        value = entry.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise InvalidData(
                f"Malformed metadata: `files[].{key}` must be {type_name(kind())}, "
                f"not {type_name(value)}"
            )
    if not 0 <= entry["size"] <= MAX_FILE_SIZE or not is_relative_path(entry["path"]):
        raise BadRequest(
            f"Invalid file '{entry['path']}' in packet {packet_id}: paths must be relative "
            "and stay inside the packet, and sizes between 0 and 2^63 - 1"
        )
    parse_hash(entry["hash"])
    return PacketFile(entry["path"], entry["hash"], entry["size"])


def parse_dependency(entry):
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), list):
        raise InvalidData(
            "Malformed metadata: a `depends` entry must be an object with `packet` and `files`"
        )
    for pair in entry["files"]:
        if not (
            isinstance(pair, dict)
            and isinstance(pair.get("here"), str)
            and isinstance(pair.get("there"), str)
        ):
            raise InvalidData(
                "Malformed metadata: `depends[].files` entries must have `here` and `there`"
            )
    query = entry.get("query")
    packet = parse_requested_id(entry.get("packet"))
    return Dependency(packet, query if isinstance(query, str) else None)


def type_name(value):
    names = {
        dict: "an object",
        list: "an array",
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def metadata_path(root, packet_id):
    """The file for an id, or None if `packet_id` is not a plain valid id (never a path)."""
    return root.metadata_dir / packet_id if is_packet_id(packet_id) else None


def read_metadata_bytes(root, packet_id):
    path = metadata_path(root, packet_id)
    try:
        return path.read_bytes()
    except (AttributeError, FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise NotFound(f"packet with id '{packet_id}' does not exist") from None


def read_stored_metadata(path):
    """Parse a metadata file in the root; a bad one is the root's fault, not the client's."""
    try:
        body = Path(path).read_bytes()
        metadata = parse_metadata(body)
    except BadRequest as e:
        raise BrokenRoot(f"Metadata file '{path}' is invalid: {e.message}") from None
    if metadata.id != Path(path).name:
        raise BrokenRoot(f"Metadata file '{path}' is for a different packet id '{metadata.id}'")
    return metadata, body


def write_metadata(root, packet_id, body):
    """Write the metadata unless the packet already has some; True if written.

    First write wins: existing metadata is what location entries and clients' hashes refer to.
    """
    root.metadata_dir.mkdir(parents=True, exist_ok=True)
    return write_once(root, metadata_path(root, packet_id), body)


def metadata_names(root):
    """Every entry in `metadata/`, unfiltered: what `/checksum` hashes."""
    try:
        return sorted(os.listdir(root.metadata_dir))
    except FileNotFoundError:
        return []


def checksum(root, algorithm=None):
    names = "".join(metadata_names(root))
    return hash_bytes(names.encode(), algorithm or root.core.hash_algorithm)
