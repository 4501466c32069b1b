"""Packets and records for the web tests, made as pyorderly and smt make them."""

import hashlib
import json
import secrets
import time

import requests

from tests.conftest import PASSWORD
from tests.support.records import record_body


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def packet_id(at: float) -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(at)) + "-" + secrets.token_hex(4)


GIT = {"sha": "6b1f0c1c2ee3a6e3d8cfd1fb0c4f2ee1a1f3b0a9", "branch": "main", "url": []}


def packet_metadata(
    name, files: dict, parameters=None, depends=(), at=None, git=GIT, orderly=None
) -> tuple[str, bytes]:
    """(id, metadata bytes) of a packet holding `files` ({path: bytes}).

    `depends` is a list of (packet id, {here: there}) pairs; `orderly` is the metadata's
    `custom.orderly` (by default no roles, and the name as the display name).
    """
    at = time.time() if at is None else at
    new_id = packet_id(at)
    metadata = {
        "schema_version": "0.1.1",
        "name": name,
        "id": new_id,
        "time": {"start": at, "end": at + 2.5},
        "parameters": parameters,
        "files": [
            {"path": path, "size": len(data), "hash": sha256(data)} for path, data in files.items()
        ],
        "depends": [
            {
                "packet": used,
                "query": f'latest(id == "{used}")',
                "files": [{"here": here, "there": there} for here, there in pairs.items()],
            }
            for used, pairs in depends
        ],
        "git": git,
        "custom": {"orderly": orderly or {"role": [], "description": {"display": name}}},
    }
    return new_id, json.dumps(metadata).encode()


def push_packet(base_url: str, name: str, files: dict, auth=None, **options) -> str:
    """Push a packet to a live server's outpack location, files first as pyorderly does;
    `auth` is (user, password) of someone who may push, or None on an open location."""
    new_id, body = packet_metadata(name, files, **options)
    for data in files.values():
        url = f"{base_url}/outpack/file/{sha256(data)}"
        requests.post(url, data=data, auth=auth, timeout=30).raise_for_status()
    url = f"{base_url}/outpack/packet/{sha256(body)}"
    requests.post(url, data=body, auth=auth, timeout=30).raise_for_status()
    return new_id


def add_packet(root, name: str, files: dict, **options) -> str:
    """Add a packet to an outpack root in this process, through the same code as a push."""
    import io

    from reprostore.packets import operations

    new_id, body = packet_metadata(name, files, **options)
    for data in files.values():
        operations.do_upload_file(root, sha256(data), io.BytesIO(data))
    operations.do_upload_packet(root, sha256(body), body)
    return new_id


def put_record(base_url, project, label, username, password=PASSWORD, **changes) -> None:
    """PUT a record as Sumatra's HttpRecordStore does (the project is made by the first one)."""
    response = requests.put(
        f"{base_url}/records/{project}/{label}/",
        data=record_body(label, **changes),
        auth=(username, password),
        headers={"Content-Type": "application/vnd.sumatra.record-v4+json"},
        timeout=30,
    )
    response.raise_for_status()


def png_chart(values=(3, 5, 2, 7, 4), width=240, height=120) -> bytes:
    """A small real PNG: a bar chart of `values`, for image previews."""
    import struct
    import zlib

    bar_width = width // len(values)
    top = max(values)
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type: none
        for x in range(width):
            value = values[min(x // bar_width, len(values) - 1)]
            inside = height - y <= value / top * (height - 10) and x % bar_width > 4
            row += bytes((5, 80, 174) if inside else (246, 248, 250))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
