"""`reprostore check` finds each way a store can be damaged, and `--repair` fixes what it says it
fixes without losing data (issue 12)."""

import io
import json
import os
import time

import pytest
from django.core.management import CommandError, call_command

from reprostore.packets import index
from reprostore.packets.models import Packet
from reprostore.packets.root import init_root
from reprostore.records.models import Project, Record
from tests.support.records import record_document
from tests.web.support import add_packet, sha256

HOUR = 3600


@pytest.fixture
def root(settings, tmp_path, db):
    settings.REPROSTORE_ROOT = init_root(tmp_path / "store")
    settings.REPROSTORE_OUTPACK_SYNC_SECONDS = 0
    index.forget_sync_state()
    return settings.REPROSTORE_ROOT


def check(*args) -> tuple[str, str | None]:
    """(what the command wrote, its error message or None)."""
    out = io.StringIO()
    try:
        call_command("check", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def outpack_root(root):
    from reprostore.packets.root import open_root

    return open_root(root)


def age(path, hours):
    then = time.time() - hours * HOUR
    os.utime(path, (then, then))


def test_a_sound_store_is_in_order(root):
    add_packet(outpack_root(root), "report", {"a.txt": b"a"})
    project = Project.objects.create(name="p")
    Record.objects.create(
        project=project,
        label="r",
        body=json.dumps(record_document("r")),
        timestamp="2024-05-06T07:08:09Z",
    )
    out, error = check()
    assert error is None and "is in order" in out


def damage(root):
    """A store damaged in every way issue 12 names; returns what was done, by name."""
    outpack = root / ".outpack"
    good = add_packet(outpack_root(root), "good", {"a.txt": b"a"})
    corrupt = add_packet(outpack_root(root), "corrupt", {"b.txt": b"b"})
    lost = add_packet(outpack_root(root), "lost", {"c.txt": b"c"})
    stored = outpack / "files" / "sha256"
    corrupt_file = stored / sha256(b"b")[7:9] / sha256(b"b")[9:]
    corrupt_file.chmod(0o644)
    corrupt_file.write_bytes(b"not b")
    (stored / sha256(b"c")[7:9] / sha256(b"c")[9:]).unlink()

    infinite = "20240101-120000-0000000a"
    text = (outpack / "metadata" / good).read_text().replace(good, infinite)
    (outpack / "metadata" / infinite).write_text(text.replace('"start": ', '"start": 1e400, "x": '))
    bad_name = "20240101-120000-0000000b"
    text = (outpack / "metadata" / good).read_text().replace(good, bad_name)
    (outpack / "metadata" / bad_name).write_text(text.replace('"good"', '"evil/../name"'))
    for packet_id in (infinite, bad_name):
        text = (outpack / "location" / "local" / good).read_text().replace(good, packet_id)
        (outpack / "location" / "local" / packet_id).write_text(text)
    orphan_entry = "20240101-120000-0000000c"
    entry = {"packet": orphan_entry, "time": 1.0, "hash": sha256(b"x")}
    (outpack / "location" / "local" / orphan_entry).write_text(json.dumps(entry))

    upload = outpack / "files" / "tmp" / "upload-cut"
    upload.parent.mkdir(exist_ok=True)
    upload.write_bytes(b"x" * 1000)
    age(upload, 2)
    fresh = outpack / "files" / "tmp" / "upload-in-progress"
    fresh.write_bytes(b"y")
    half_written = outpack / ".tmp-abc"
    half_written.write_bytes(b"{")
    age(half_written, 2)
    Packet.objects.create(
        id="20240101-120000-0000000d", name="gone", hash="x", time_start=0, time_end=0
    )

    project = Project.objects.create(name="p")
    stamp = "2024-05-06T07:08:09Z"
    body = json.dumps(record_document("bom"))
    Record.objects.create(project=project, label="bom", body="\ufeff" + body, timestamp=stamp)
    body = json.dumps(record_document("inf")).replace('"duration": 1.25', '"duration": 1e400')
    Record.objects.create(
        project=project, label="inf", body=body, duration=float("inf"), timestamp=stamp
    )
    body = json.dumps(record_document("shape", output_data=1))
    Record.objects.create(project=project, label="shape", body=body, timestamp=stamp)
    return {
        "good": good,
        "corrupt": corrupt,
        "lost": lost,
        "infinite": infinite,
        "bad_name": bad_name,
        "orphan_entry": orphan_entry,
        "upload": upload,
        "fresh": fresh,
        "half_written": half_written,
    }


REPORTED = [
    "Temporary file '{upload}' (1000 bytes) is left from a write that never finished",
    "Temporary file '{half_written}' (1 bytes) is left",
    "Metadata file '{root}/.outpack/metadata/{infinite}' is invalid: Malformed metadata: "
    "'time.start' is not a finite number",
    "Invalid packet name",
    "Location 'local' lists packet {infinite}, whose metadata is missing or unreadable",
    "Location 'local' lists packet {orphan_entry}, whose metadata is missing or unreadable",
    "Stored file '{root}/.outpack/files/sha256/",
    "Packet {corrupt} (corrupt) is unpacked here, but its file 'b.txt'",
    "Packet {lost} (lost) is unpacked here, but its file 'c.txt'",
    "The packet index disagrees with the disk",
    "Record 'bom' of project 'p' starts with a byte-order mark",
    "Record 'inf' of project 'p' has a duration of inf",
    "Record 'inf' of project 'p' can't be read back by the Sumatra client: The record's "
    "'duration' is a number beyond ±1.8e308",
    "Record 'shape' of project 'p' can't be read back by the Sumatra client: The record's "
    "'output_data' must be an array",
]


def test_each_kind_of_damage_is_reported_in_plain_words(root):
    names = damage(root)
    out, error = check()
    for line in REPORTED:
        assert line.format(root=root, **names) in out, (line, out)
    assert "upload-in-progress" not in out
    assert "problems found; `reprostore check --repair` fixes" in error


def test_repair_fixes_what_it_says_and_loses_nothing(root):
    names = damage(root)
    out, error = check("--repair")
    repaired = out.count("  repaired: ")
    assert f"problems found, {repaired} repaired" in out
    # The infinite duration stays in the document as sent, and the wrongly shaped record stays.
    assert error == "2 problems need a person: see the list above"

    outpack = root / ".outpack"
    quarantine = next((root / ".reprostore" / "quarantine").iterdir())
    for moved in (
        f".outpack/metadata/{names['infinite']}",
        f".outpack/metadata/{names['bad_name']}",
        f".outpack/location/local/{names['infinite']}",
        f".outpack/location/local/{names['orphan_entry']}",
        f".outpack/location/local/{names['corrupt']}",
        f".outpack/location/local/{names['lost']}",
    ):
        assert (quarantine / moved).is_file(), moved
        assert not (root / moved).exists(), moved
    assert not names["upload"].exists() and not names["half_written"].exists()
    assert names["fresh"].exists()
    assert (outpack / "metadata" / names["corrupt"]).is_file()  # known, no longer unpacked
    assert sorted(Packet.objects.values_list("name", flat=True)) == ["corrupt", "good", "lost"]
    bom = Record.objects.get(label="bom")
    assert json.loads(bom.body)["label"] == "bom"
    assert Record.objects.get(label="inf").duration is None

    out, error = check()
    left = [line for line in out.splitlines() if line.startswith("- ")]
    assert len(left) == 2, out
    assert any("Record 'inf' of project 'p' can't be read back" in line for line in left)
    assert any("Record 'shape'" in line for line in left)
    assert "fixes" not in error


def test_check_without_hashes_does_not_read_the_files(root):
    damage(root)
    out, _ = check("--no-hashes")
    assert "Stored file" not in out
    assert "(lost) is unpacked here" in out


def test_django_system_checks_still_run_alone_when_asked(root):
    damage(root)
    out, error = check("--tag", "models")
    assert error is None and "Record" not in out
