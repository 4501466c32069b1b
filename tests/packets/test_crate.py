"""A packet as an RO-Crate zip (`/packets/<name>/<id>/crate.zip`), following the Process Run Crate
profile: its files byte for byte, its outpack metadata, the run that made it, checked by
roc-validator; access as the page's."""

import json
import os
import tracemalloc
import zipfile

import pytest

from tests.support.exports import (
    DATA,
    GIT,
    Packets,
    add_packet,
    crate_issues,
    served_root,
    sha256,
    validator_cache,
)
from tests.support.packet_access import grant_cast_packets

pytestmark = [
    pytest.mark.django_db,
    # roc-validator reads JSON-LD through a part of rdflib 7 that rdflib means to remove.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]
PAGES = "http://testserver/packets/"


@pytest.fixture
def outpack_root(settings, tmp_path):
    yield from served_root(settings, tmp_path)


@pytest.fixture
def packets(db, outpack_root, cast):
    grant_cast_packets(cast, group="model-fit")
    return Packets(outpack_root)


@pytest.fixture(scope="module")
def validator_http_cache(tmp_path_factory):
    return validator_cache(tmp_path_factory.mktemp("validator"))


def crate_url(name, packet_id):
    return f"/packets/{name}/{packet_id}/crate.zip"


def download(client, name, packet_id, tmp_path):
    response = client.get(crate_url(name, packet_id))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{name}-{packet_id}.crate.zip"'
    )
    path = tmp_path / f"{packet_id}.zip"
    path.write_bytes(b"".join(response.streaming_content))
    assert int(response["Content-Length"]) == path.stat().st_size
    return path


def crate_graph(path) -> dict:
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("ro-crate-metadata.json"))
    return {entity["@id"]: entity for entity in document["@graph"]}


def ids(value) -> list:
    value = value if isinstance(value, list) else [value]
    return [item["@id"] for item in value]


def test_the_crate_holds_every_file_and_the_metadata(
    client,
    cast,
    packets,
    outpack_root,
    tmp_path,
):
    from reprostore.packets.metadata import read_metadata_bytes

    client.force_login(cast.reader)
    path = download(client, "model-fit", packets.fit, tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        assert names == {
            "script.R",
            "orderly.yml",
            "inputs/data.csv",
            "fit output.txt",
            "outpack-metadata.json",
            "ro-crate-metadata.json",
        }
        assert archive.read("inputs/data.csv") == DATA
        stored = read_metadata_bytes(outpack_root, packets.fit)
        assert archive.read("outpack-metadata.json") == stored


def test_the_crate_describes_the_run(client, cast, packets, tmp_path):
    client.force_login(cast.reader)
    graph = crate_graph(download(client, "model-fit", packets.fit, tmp_path))
    root = graph["./"]
    assert root["conformsTo"] == {"@id": "https://w3id.org/ro/wfrun/process/0.5"}
    assert graph["ro-crate-metadata.json"]["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.1"}
    assert root["identifier"] == f"{PAGES}model-fit/{packets.fit}/"
    run = graph[root["mentions"]["@id"]]
    assert run["@type"] == "CreateAction"
    assert run["startTime"] == "2024-05-06T08:08:09.000+00:00"
    assert run["endTime"] == "2024-05-06T08:08:11.500+00:00"
    assert graph[root["publisher"]["@id"]]["@type"] == "Organization"
    code = graph[run["instrument"]["@id"]]
    assert code["@type"] == "SoftwareSourceCode" and code["version"] == GIT["sha"]
    assert code["url"] == GIT["url"][0] and ids(code["hasPart"]) == ["script.R"]
    inputs = ids(run["object"])
    assert {"script.R", "orderly.yml", "inputs/data.csv"} <= set(inputs)
    parameters = {graph[i]["name"]: graph[i]["value"] for i in inputs if i.startswith("#param")}
    assert parameters == {"tolerance": 0.001, "disease": "YF"}
    assert ids(run["result"]) == ["fit%20output.txt"]
    copied = graph["inputs/data.csv"]
    assert copied["identifier"] == sha256(DATA) and copied["contentSize"] == str(len(DATA))
    source = graph[copied["isBasedOn"]["@id"]]
    assert source["@id"] == f"{PAGES}incoming-data/{packets.data}/files/data.csv"
    assert source["isPartOf"] == {"@id": f"{PAGES}incoming-data/{packets.data}/"}
    assert ids(root["isBasedOn"]) == [f"{PAGES}incoming-data/{packets.data}/"]


def test_roc_validator_finds_no_required_issue(
    client, cast, packets, tmp_path, validator_http_cache
):
    client.force_login(cast.reader)
    for name, packet_id in (("model-fit", packets.fit), ("incoming-data", packets.data)):
        path = download(client, name, packet_id, tmp_path)
        assert crate_issues(path, validator_http_cache, "REQUIRED") == []
        recommended = crate_issues(path, validator_http_cache, "RECOMMENDED")
        assert {check for _, check, _ in recommended} == EXPECTED_RECOMMENDED, recommended


# What the crate can't say: who ran the report and who wrote it (outpack metadata names nobody).
EXPECTED_RECOMMENDED = {
    "process-run-crate-0.5_8.6",  # The Action SHOULD have an agent that is a Person or ...
    "ro-crate-1.1_22.2",  # The Root Data Entity SHOULD link to ... the `author` of the RO-Crate
}


def test_a_file_this_server_lacks_fails_the_export(client, cast, packets, outpack_root):
    for stored in (outpack_root.files_dir / "sha256").rglob("*"):
        if stored.is_file() and stored.read_bytes() == DATA:
            stored.chmod(0o644)
            stored.unlink()
    client.force_login(cast.reader)
    response = client.get(crate_url("model-fit", packets.fit))
    assert response.status_code == 404
    assert "does not hold the file" in response.content.decode()


def test_it_is_missing_for_those_who_may_not_see_the_packet(client, cast, packets):
    from django.contrib.auth import get_user_model

    url = crate_url("incoming-data", packets.data)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(cast.stranger)
    assert client.get(url).status_code == 404
    client.force_login(get_user_model().objects.get(username="dave"))
    assert client.get(url).status_code == 404


def test_a_big_packet_is_written_without_holding_it_in_memory(cast, outpack_root):
    from reprostore.accounts.access import Level, PacketsAccess
    from reprostore.packets import crate
    from reprostore.packets.models import Packet
    from reprostore.web.exports import packet_links

    big = os.urandom(48 * 1024 * 1024)
    packet_id = add_packet(outpack_root, "big", {"big.bin": big, "small.txt": b"x"})
    packet = Packet.objects.get(id=packet_id)
    tracemalloc.start()
    try:
        handle = crate.spooled_crate(
            outpack_root, packet, PacketsAccess(Level.READ), packet_links("http://h")
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with handle, zipfile.ZipFile(handle) as archive, archive.open("big.bin") as member:
        assert member.read() == big
    del big
    assert peak < 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_a_packet_with_a_file_named_like_the_crate_description_is_refused(
    client,
    cast,
    packets,
    outpack_root,
):
    odd = add_packet(outpack_root, "odd", {"ro-crate-metadata.json": b"{}"})
    client.force_login(cast.reader)
    response = client.get(crate_url("odd", odd))
    assert response.status_code == 409
    assert "ro-crate-metadata.json" in response.content.decode()


def test_empty_files_and_any_name_keep_their_names(client, cast, packets, outpack_root, tmp_path):
    odd = add_packet(outpack_root, "odd", {"empty file.txt": b"", "résumé/ü#1.csv": b"a\n"})
    client.force_login(cast.reader)
    path = download(client, "odd", odd, tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert archive.read("empty file.txt") == b""
        assert archive.read("résumé/ü#1.csv") == b"a\n"
    graph = crate_graph(path)
    assert graph["r%C3%A9sum%C3%A9/%C3%BC%231.csv"]["name"] == "résumé/ü#1.csv"
