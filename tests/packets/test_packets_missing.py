"""POST /outpack/packets/missing."""

import pytest

from .conftest import JSON, failure, success

LOCAL_ID = "20170818-164847-7574883b"
OTHER_ID = "20170818-164830-33e0ab01"
NEW_ID = "20240101-000000-00000000"


def missing(client, body):
    return client.post("/outpack/packets/missing", body, content_type=JSON)


def test_unpacked_means_in_the_local_location(client, example):
    data = success(missing(client, {"ids": [LOCAL_ID, OTHER_ID, NEW_ID], "unpacked": True}))
    assert sorted(data) == [OTHER_ID, NEW_ID]


def test_known_means_metadata_present(client, example):
    data = success(missing(client, {"ids": [LOCAL_ID, OTHER_ID, NEW_ID], "unpacked": False}))
    assert data == [NEW_ID]


def test_ids_are_trimmed_and_deduplicated(client, example):
    data = success(missing(client, {"ids": [f" {NEW_ID} ", NEW_ID], "unpacked": True}), "ids.json")
    assert data == [NEW_ID]


def test_nothing_asked_nothing_missing(client, example):
    assert success(missing(client, {"ids": [], "unpacked": True})) == []


@pytest.mark.parametrize("bad", ["badid", "20170818-164830-33e0ab0", "../etc/passwd"])
def test_an_invalid_id_is_a_400_quoting_it(client, example, bad):
    response = missing(client, {"ids": [LOCAL_ID, bad], "unpacked": True})
    failure(response, 400, f"Invalid packet id '{bad}'")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"ids": []}, "missing field `unpacked`"),
        ({"unpacked": True}, "missing field `ids`"),
        ({"ids": [1], "unpacked": True}, "`ids` must be an array of strings"),
        ({"ids": [], "unpacked": "yes"}, "`unpacked` must be true or false"),
        ([], "expected a JSON object"),
    ],
)
def test_a_wrongly_shaped_body(client, example, body, detail):
    failure(
        missing(client, body),
        400,
        f"Failed to deserialize the JSON body into the target type: {detail}",
    )


def test_a_body_that_is_not_json(client, example):
    error = failure(missing(client, "{"), 400)
    assert error["error"] == "Failed to parse the request body as JSON"
