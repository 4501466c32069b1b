"""GET /outpack/metadata/list, /packit/metadata and /metadata/<id>/{json,text}."""

import json

import pytest

from .conftest import failure, success

LOCAL_ID = "20170818-164847-7574883b"
LOCAL_HASH = "sha256:af3c863f96898c6c88cee4daa1a6d6cfb756025e70059f5ea4dbe4d9cc5e0e36"
ALL_IDS = [
    "20170818-164830-33e0ab01",
    "20170818-164847-7574883b",
    "20180220-095832-16a4bbed",
    "20180818-164043-7cdcde4b",
]


def test_list_has_local_first_then_other_locations_by_id(client, example):
    data = success(client.get("/outpack/metadata/list"), "locations.json")
    assert [e["packet"] for e in data] == [
        LOCAL_ID,
        "20170818-164830-33e0ab01",
        "20180220-095832-16a4bbed",
        "20180818-164043-7cdcde4b",
    ]
    assert data[0] == {"packet": LOCAL_ID, "time": 1662480556.1778, "hash": LOCAL_HASH}
    assert all(set(e) == {"packet", "time", "hash"} for e in data)


def test_list_orders_locations_the_config_does_not_name_last(client, example):
    unnamed = example / ".outpack" / "location" / "aaa"
    unnamed.mkdir()
    entry = {"packet": ALL_IDS[0], "time": 1, "hash": "md5:" + "0" * 32}
    (unnamed / ALL_IDS[0]).write_text(json.dumps(entry))
    data = success(client.get("/outpack/metadata/list"), "locations.json")
    assert data[-1] == {**entry, "time": 1.0}
    assert len(data) == 5


def test_packit_metadata_lists_every_packet_by_id(client, example):
    data = success(client.get("/outpack/packit/metadata"), "list.json")
    assert [p["id"] for p in data] == ALL_IDS
    params = next(p for p in data if p["id"] == "20180220-095832-16a4bbed")
    assert params["parameters"] == {
        "disease": "YF",
        "pull_data": True,
        "tolerance": 0.001,
        "size": 10,
    }
    assert params["time"] == {"start": 1519120570.2232, "end": 1519120712.2232}
    first = data[0]
    assert first["name"] == "modup-201707-queries1"
    assert first["custom"]["orderly"]["artefacts"][3]["description"] == (
        "Projected Coverage for routine immunisation in PINE countries"
    )
    assert next(p for p in data if p["id"] == LOCAL_ID)["parameters"] is None


@pytest.mark.parametrize(
    ("since", "expected"),
    [("1662480556", [LOCAL_ID]), ("1662480555", ALL_IDS), ("1662480556.1778", [])],
)
def test_packit_metadata_known_since(client, example, since, expected):
    data = success(client.get(f"/outpack/packit/metadata?known_since={since}"), "list.json")
    assert [p["id"] for p in data] == expected


@pytest.mark.parametrize("since", ["yesterday", "", "nan", "inf"])
def test_packit_metadata_with_a_bad_known_since(client, example, since):
    error = failure(client.get(f"/outpack/packit/metadata?known_since={since}"), 400)
    assert error["detail"].startswith(f"Invalid known_since '{since}'")


def test_metadata_json_is_the_parsed_metadata(client, example):
    data = success(client.get(f"/outpack/metadata/{LOCAL_ID}/json"))
    stored = json.loads((example / ".outpack" / "metadata" / LOCAL_ID).read_text())
    assert data == stored
    assert list(data) == sorted(data)


def test_metadata_text_is_the_stored_bytes(client, example):
    response = client.get(f"/outpack/metadata/{LOCAL_ID}/text")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == (example / ".outpack" / "metadata" / LOCAL_ID).read_bytes()
    assert response.has_header("x-request-id")


@pytest.mark.parametrize(
    "packet_id",
    [
        "bad-id",
        "20170818-164847-7574883c",
        "20170818-164847-7574883B",
        "..%2Fconfig.json",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2E%2E",
    ],
)
@pytest.mark.parametrize("form", ["json", "text"])
def test_unknown_or_odd_ids_are_404(client, example, packet_id, form):
    error = failure(client.get(f"/outpack/metadata/{packet_id}/{form}"), 404)
    assert error["detail"].startswith("packet with id '")
    assert error["detail"].endswith("' does not exist")


def test_metadata_that_is_not_json_is_a_clear_500(client, example):
    (example / ".outpack" / "metadata" / LOCAL_ID).chmod(0o644)
    (example / ".outpack" / "metadata" / LOCAL_ID).write_text("{oops")
    error = failure(client.get(f"/outpack/metadata/{LOCAL_ID}/json"), 500)
    assert "is not valid JSON" in error["detail"] and LOCAL_ID in error["detail"]


def test_new_metadata_written_by_another_tool_is_listed_without_a_restart(client, example):
    assert len(success(client.get("/outpack/packit/metadata"))) == 4
    new_id = "20240101-000000-00000000"
    stored = json.loads((example / ".outpack" / "metadata" / LOCAL_ID).read_text())
    stored.update(id=new_id, name="new")
    (example / ".outpack" / "metadata" / new_id).write_text(json.dumps(stored))
    entry = {"packet": new_id, "time": 1700000000.5, "hash": "md5:" + "0" * 32}
    (example / ".outpack" / "location" / "local" / new_id).write_text(json.dumps(entry))
    assert [p["id"] for p in success(client.get("/outpack/packit/metadata"))][-1] == new_id
    assert entry in success(client.get("/outpack/metadata/list"))


def test_removed_metadata_leaves_the_listing(client, example):
    success(client.get("/outpack/packit/metadata"))
    (example / ".outpack" / "metadata" / ALL_IDS[0]).unlink()
    assert ALL_IDS[0] not in [p["id"] for p in success(client.get("/outpack/packit/metadata"))]
