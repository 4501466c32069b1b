"""`reprostore export`: a project, a record or a packet as W3C PROV, a packet as an RO-Crate."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from tests.support.exports import (
    DATA,
    Packets,
    elements,
    provn_lines,
    read_prov,
    relations,
    served_root,
    values,
)
from tests.support.records import record_body

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Dataset.default_context:DeprecationWarning"),
]
SERVER = "https://store.example.org"
DIGEST = "3f786850e387550fdab836ed7e6dc881de23001b"


@pytest.fixture
def outpack_root(settings, tmp_path):
    yield from served_root(settings, tmp_path)


@pytest.fixture
def records(cast):
    from reprostore.records.operations import do_save_record

    made = {"path": "a.dat", "digest": DIGEST, "metadata": {}}
    do_save_record(cast.owner, cast.project, "make", record_body("make", output_data=[made]))
    do_save_record(cast.owner, cast.project, "use", record_body("use", input_data=[made]))
    return cast.project


def export(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("export", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_a_project_goes_to_standard_output_with_the_servers_address(records):
    text = export("prov", "--project", "Private", "--base-url", SERVER)
    document = read_prov(text, "prov-json")
    base = f"{SERVER}/records/Private/"
    assert {base + "make/#run", base + "use/#run"} <= set(elements(document, "activity"))
    assert ("Communication", base + "use/#run", base + "make/#run", None) in relations(document)


def test_one_record_in_prov_n_to_a_file(records, tmp_path):
    path = tmp_path / "use.provn"
    out = export(
        "prov", "--project", "Private", "--label", "use", "--format", "prov-n", "-o", str(path)
    )
    assert out == ""
    provn = path.read_text()
    as_json = read_prov(export("prov", "--project", "Private", "--label", "use"), "prov-json")
    assert provn_lines(provn) == provn_lines(as_json.get_provn())
    assert "prefix records <http://127.0.0.1:8000/records/>" in provn


def test_a_packet_in_turtle(cast, outpack_root):
    packets = Packets(outpack_root)
    text = export("prov", "--packet", packets.fit, "--format", "prov-o", "--base-url", SERVER)
    document = read_prov(text, "prov-o")
    fit = f"{SERVER}/packets/model-fit/{packets.fit}/"
    data = f"{SERVER}/packets/incoming-data/{packets.data}/"
    assert ("Derivation", fit, data, None) in relations(document)
    assert values(elements(document, "entity")[fit + "files/inputs/data.csv"], "size") == [
        len(DATA)
    ]


def test_a_packet_as_a_crate(cast, outpack_root, tmp_path):
    packets = Packets(outpack_root)
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "fit.zip"
    export("crate", "--packet", packets.fit, "-o", str(path), "--base-url", SERVER)
    with zipfile.ZipFile(path) as archive:
        assert archive.read("inputs/data.csv") == DATA
        graph = json.loads(archive.read("ro-crate-metadata.json"))["@graph"]
    root = next(entity for entity in graph if entity["@id"] == "./")
    assert root["identifier"] == f"{SERVER}/packets/model-fit/{packets.fit}/"
    assert [p.name for p in path.parent.iterdir()] == ["fit.zip"]  # no temporary file left


@pytest.mark.parametrize(
    "args, message",
    [
        (["prov", "--project", "Nope"], "No project 'Nope'"),
        (["prov", "--project", "Private", "--label", "nope"], "No record 'nope' in project"),
        (["prov", "--packet", "20240101-000000-00000000"], "No packet '20240101-000000-00000000'"),
        (["prov", "--packet", "x", "--label", "use"], "--label goes with --project"),
    ],
)
def test_mistakes_are_told_in_a_sentence(records, outpack_root, args, message):
    with pytest.raises(CommandError, match=message):
        export(*args)


def test_a_crate_that_cant_be_made_leaves_no_file(cast, outpack_root, tmp_path):
    packets = Packets(outpack_root)
    for stored in (outpack_root.files_dir / "sha256").rglob("*"):
        if stored.is_file() and stored.read_bytes() == DATA:
            stored.chmod(0o644)
            stored.unlink()
    (tmp_path / "out").mkdir()
    with pytest.raises(CommandError, match="does not hold the file 'inputs/data.csv'"):
        export("crate", "--packet", packets.fit, "-o", str(tmp_path / "out" / "fit.zip"))
    assert list((tmp_path / "out").iterdir()) == []


def test_a_packet_needs_an_outpack_root(records, settings, tmp_path):
    settings.REPROSTORE_ROOT = tmp_path / "nothing"
    with pytest.raises(CommandError, match="Outpack root not found"):
        export("prov", "--packet", "20240101-000000-00000000")
