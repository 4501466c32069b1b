"""`reprostore reindex` in bulk (issue 13): the same index as the packet-by-packet code made,
bad files left out as before, and a progress bar with a rate."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from reprostore.lib.parameters import typed_value
from reprostore.packets import index
from reprostore.packets.metadata import read_stored_metadata
from reprostore.packets.models import (
    Packet,
    PacketDependency,
    PacketFile,
    PacketLocation,
    PacketParameter,
)
from reprostore.packets.root import open_root
from tests.support.fixtures import OUTPACK_FIXTURES as FIXTURES

from .conftest import packet_metadata, serve

NAMES = ["report", "ünïcode report", "x"]
VALUES = [1, -2.5, 10**30, True, False, "YF", "", 'ä\\"q', None, [1, 2], {"a": {"b": 1}}]


def generated_root(path: Path, count: int) -> Path:
    """A root of `count` packets with varied names, parameters, files and dependencies, local
    entries for most and a second location (named in the config) and an unnamed one for some."""
    shutil.copytree(FIXTURES / "example", path)
    outpack = path / ".outpack"
    for i in range(count):
        packet_id = f"20240101-{i // 60 % 60:02d}{i % 60:02d}00-{i:08x}"
        files = {f"out/{j}.txt": f"{i}-{j}".encode() for j in range(i % 3)}
        depends = [f"20240101-000000-{j:08x}" for j in range(i % 2 * min(i, 2))]
        parameters = {f"p{j}": VALUES[(i + j) % len(VALUES)] for j in range(i % 4)} or None
        body = packet_metadata(
            packet_id, files, depends, name=NAMES[i % len(NAMES)], parameters=parameters
        )
        (outpack / "metadata" / packet_id).write_bytes(body)
        for location, every in (("local", 1), ("another", 3), ("zzz-unnamed", 5)):
            if i % every == 0:
                (outpack / "location" / location).mkdir(exist_ok=True)
                entry = {"packet": packet_id, "time": 1700000000 + i / 7, "hash": "md5:" + "0" * 32}
                (outpack / "location" / location / packet_id).write_text(json.dumps(entry))
    return path


def reindex_one_by_one(root):
    """REFERENCE: the index as `reindex` made it before issue 13, packet by packet through the
    ORM (a copy of the old code, kept to compare with)."""
    PacketLocation.objects.all().delete()
    Packet.objects.all().delete()
    for packet_id in sorted(index.metadata_ids(root)):
        try:
            metadata, body = read_stored_metadata(root.metadata_dir / packet_id)
        except Exception:  # noqa: BLE001 - the old code skipped what it could not read
            continue
        packet = Packet.objects.create(
            id=metadata.id,
            name=metadata.name,
            hash=str(index.hash_bytes(body, root.core.hash_algorithm)),
            time_start=metadata.time_start,
            time_end=metadata.time_end,
            parameters=metadata.parameters,
            custom=metadata.custom,
        )
        for f in metadata.files:
            PacketFile.objects.create(packet=packet, path=f.path, hash=f.hash, size=f.size)
        for i, d in enumerate(metadata.depends):
            PacketDependency.objects.create(
                packet=packet, depends_on=d.packet, query=d.query, position=i
            )
        for name, value in (metadata.parameters or {}).items():
            PacketParameter.objects.create(packet=packet, name=name, **typed_value(value))
    for location in index.location_dirs(root):
        for packet_id in index.entry_names(root, location):
            try:
                entry = index.read_entry(root.location_dir / location / packet_id)
            except index.BrokenRoot:
                continue
            PacketLocation.objects.create(
                location=location, packet=entry.packet, time=entry.time, hash=entry.hash
            )


def index_rows():
    """Every row of the index, without the automatic ids."""
    return {
        "packets": sorted(
            Packet.objects.values_list(
                "id", "name", "hash", "time_start", "time_end", "parameters", "custom"
            ),
            key=repr,
        ),
        "files": sorted(PacketFile.objects.values_list("packet", "path", "hash", "size")),
        "dependencies": sorted(
            PacketDependency.objects.values_list("packet", "depends_on", "query", "position"),
            key=repr,
        ),
        "parameters": sorted(
            PacketParameter.objects.values_list(
                "packet", "name", "kind", "text", "number", "boolean"
            ),
            key=repr,
        ),
        "locations": sorted(
            PacketLocation.objects.values_list("location", "packet", "time", "hash", "listing_json")
        ),
    }


@pytest.fixture
def generated(settings, tmp_path, db):
    return serve(settings, generated_root(tmp_path / "generated", 40))


@pytest.mark.parametrize("readers", [0, 2])
@pytest.mark.parametrize("fixture", ["example", "bad_example", "generated"])
def test_reindex_makes_the_index_the_one_by_one_code_made(request, fixture, readers, monkeypatch):
    path = request.getfixturevalue(fixture)
    root = open_root(path)
    reindex_one_by_one(root)
    before = index_rows()
    # The bad example's only packet and entry are broken: both codes index nothing of it.
    assert before["packets"] or fixture == "bad_example"
    Packet.objects.all().delete()
    # Batches smaller than the root, so that several statements and batches are exercised
    # (and, with readers, read in other processes).
    monkeypatch.setattr(index, "BATCH", 3)
    problems = index.reindex(root, readers=readers)
    assert index_rows() == before
    assert len(problems) == (2 if fixture == "bad_example" else 0)


def test_readers_in_other_processes_leave_the_database_connection_working(generated):
    index.reindex(open_root(generated), readers=2)
    index.reindex(open_root(generated), readers=2)
    assert Packet.objects.count() == 44


def test_reindex_replaces_an_existing_index(generated):
    root = open_root(generated)
    index.reindex(root)
    expected = index_rows()
    Packet.objects.filter(name="x").update(name="changed behind our back")
    PacketLocation.objects.filter(location="another").delete()
    index.reindex(root)
    assert index_rows() == expected


def test_reindex_leaves_out_the_same_bad_files_as_before(bad_example):
    problems = index.reindex(open_root(bad_example))
    assert sorted(Path(path).name for path, _ in problems) == [
        "20170818-164830-33e0ab01",
        "20170818-164847-7574883b",
    ]
    assert Packet.objects.count() == 0 and PacketLocation.objects.count() == 0


def test_a_batch_the_database_refuses_is_indexed_packet_by_packet(generated, monkeypatch):
    """A packet the database can't hold is left out and named; the rest of its batch is kept."""
    from django.db import DataError

    real = index.insert_packet_rows

    def refuse_one(packets):
        if any(rows.id == "20240101-000500-00000005" for rows in packets):
            raise DataError("value out of range")
        real(packets)

    monkeypatch.setattr(index, "insert_packet_rows", refuse_one)
    problems = index.reindex(open_root(generated))
    assert [Path(path).name for path, _ in problems] == ["20240101-000500-00000005"]
    assert "can't be indexed: value out of range" in problems[0][1]
    assert Packet.objects.count() == 43
    assert not Packet.objects.filter(id="20240101-000500-00000005").exists()


def test_the_command_shows_progress_with_a_rate(generated):
    out, err = StringIO(), StringIO()
    call_command("reindex", "--progress", stdout=out, stderr=err)
    bars = err.getvalue()
    assert "Reading metadata files: 100%" in bars and "44/44" in bars
    assert "Reading location files: 100%" in bars
    assert " packets/s]" in bars and " location entries/s]" in bars
    assert "Indexed 44 packets and" in out.getvalue()
    assert " packets/s." in out.getvalue().splitlines()[-1]


def test_the_command_shows_no_bars_where_nobody_watches(generated):
    out, err = StringIO(), StringIO()
    call_command("reindex", stdout=out, stderr=err)  # StringIO is not a terminal
    assert err.getvalue() == ""
    assert out.getvalue().splitlines()[-1].startswith("Took ")
