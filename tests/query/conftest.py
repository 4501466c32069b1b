"""Fixtures for query evaluation: the example root copied and indexed, and generated roots."""

import json
import shutil
from pathlib import Path

import pytest

from reprostore.packets.index import add_packet, forget_sync_state, reindex
from reprostore.packets.metadata import parse_metadata
from reprostore.packets.models import Packet
from reprostore.packets.root import init_root, open_root
from tests.support.fixtures import OUTPACK_FIXTURES as FIXTURES


def index_root(settings, path):
    settings.REPROSTORE_ROOT = path
    settings.REPROSTORE_OUTPACK_SYNC_SECONDS = 0
    problems = reindex(open_root(path))
    assert problems == []
    return path


@pytest.fixture
def example(settings, tmp_path, db):
    """The example root (4 packets), copied and indexed."""
    path = Path(shutil.copytree(FIXTURES / "example", tmp_path / "example"))
    yield index_root(settings, path)
    forget_sync_state()


@pytest.fixture
def empty_root(settings, tmp_path, db):
    yield index_root(settings, init_root(tmp_path / "empty"))
    forget_sync_state()


def metadata_bytes(packet_id, name, parameters, time_start=1700000000.0):
    metadata = {
        "schema_version": "0.1.1",
        "id": packet_id,
        "name": name,
        "parameters": parameters,
        "time": {"start": time_start, "end": time_start + 1},
        "files": [],
        "depends": [],
        "git": None,
        "custom": None,
    }
    return json.dumps(metadata).encode()


def write_root(path, packets):
    """An outpack root whose metadata holds `packets`: (id, name, parameters) each."""
    root = open_root(init_root(path))
    for packet_id, name, parameters in packets:
        (root.metadata_dir / packet_id).write_bytes(metadata_bytes(packet_id, name, parameters))
    return root.path


def index_packets(packets):
    """Replace the index by `packets`, through the code that indexes a metadata file."""
    Packet.objects.all().delete()
    for packet_id, name, parameters in packets:
        add_packet(parse_metadata(metadata_bytes(packet_id, name, parameters)), "sha256:0")


def packet_ids(count):
    """`count` distinct ids, some sharing their time stamp, in no particular order."""
    return [f"20240101-{n * 37 % 10 // 2:06d}-{n * 2654435761 % 2**32:08x}" for n in range(count)]
