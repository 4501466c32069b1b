"""The database index: synced from disk, rebuilt by `reprostore reindex`, safe on bad roots."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reprostore.packets.index import sync_index
from reprostore.packets.models import Packet, PacketLocation
from reprostore.packets.root import open_root

from .conftest import failure, success

BAD_LOCATION = "20170818-164830-33e0ab01"
BAD_METADATA = "20170818-164847-7574883b"


def test_reindex_builds_the_index_from_disk(example):
    out, err = StringIO(), StringIO()
    call_command("reindex", stdout=out, stderr=err)
    assert Packet.objects.count() == 4 and PacketLocation.objects.count() == 4
    assert "Indexed 4 packets and 4 location entries; skipped 0 files" in out.getvalue()
    assert "has a file store (sha256)" in out.getvalue()
    assert err.getvalue() == ""


def test_reindex_drops_rows_whose_files_are_gone(example):
    call_command("reindex", stdout=StringIO())
    (example / ".outpack" / "location" / "another" / BAD_LOCATION).unlink()
    (example / ".outpack" / "metadata" / BAD_LOCATION).unlink()
    call_command("reindex", stdout=StringIO())
    assert not Packet.objects.filter(id=BAD_LOCATION).exists()
    assert not PacketLocation.objects.filter(packet=BAD_LOCATION).exists()


def test_reindex_names_the_broken_files_of_the_bad_example(bad_example):
    out, err = StringIO(), StringIO()
    call_command("reindex", stdout=out, stderr=err)
    assert "skipped 2 files that could not be read" in out.getvalue()
    assert f"another/{BAD_LOCATION}' is invalid: missing field `packet`" in err.getvalue()
    assert f"metadata/{BAD_METADATA}' is invalid: Malformed metadata: missing field `name`" in (
        err.getvalue()
    )


def test_reindex_of_a_directory_that_is_not_a_root(settings, tmp_path, db):
    settings.REPROSTORE_ROOT = tmp_path
    with pytest.raises(CommandError, match="Outpack root not found at"):
        call_command("reindex", stdout=StringIO())


def test_the_bad_example_is_served_without_its_broken_files(client, bad_example):
    assert success(client.get("/outpack/metadata/list"), "locations.json") == []
    assert success(client.get("/outpack/packit/metadata"), "list.json") == []
    assert success(client.get("/outpack/checksum"), "hash.json").startswith("sha256:")
    text = client.get(f"/outpack/metadata/{BAD_METADATA}/text")
    assert text.status_code == 200


def test_the_bad_example_logs_what_it_skipped(client, bad_example, caplog):
    client.get("/outpack/metadata/list")
    assert "missing field `packet`" in caplog.text and BAD_LOCATION in caplog.text


def test_sync_is_throttled(example, settings):
    root = open_root(example)
    settings.REPROSTORE_OUTPACK_SYNC_SECONDS = 3600
    sync_index(root, force=True)
    (example / ".outpack" / "metadata" / BAD_LOCATION).unlink()
    sync_index(root)
    assert Packet.objects.filter(id=BAD_LOCATION).exists()
    sync_index(root, force=True)
    assert not Packet.objects.filter(id=BAD_LOCATION).exists()


def test_a_deleted_root_is_a_clear_500(client, example):
    import shutil

    shutil.rmtree(example / ".outpack")
    error = failure(client.get("/outpack/metadata/list"), 500)
    assert "Outpack root not found at" in error["detail"]
