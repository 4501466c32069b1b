"""The parts every route shares: fallback, methods, request ids, content types."""

import pytest
import requests

from .conftest import failure


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["/outpack/nope", "/outpack/git/branches", "/outpack/metadata"])
def test_unknown_routes_get_the_not_found_envelope(client, example, method, path):
    error = failure(getattr(client, method)(path), 404, "This route does not exist")
    assert error["error"] == "NOT_FOUND"


def test_removed_git_fetch_is_not_found(client, example):
    failure(client.post("/outpack/git/fetch"), 404, "This route does not exist")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("get", "/outpack/packet/sha256:00", "POST"),
        ("get", "/outpack/packets/missing", "POST"),
        ("post", "/outpack/metadata/list", "GET, HEAD"),
        ("delete", "/outpack/file/sha256:00", "GET, HEAD, POST"),
    ],
)
def test_a_wrong_method_is_a_405_envelope_with_allow(client, example, method, path, allowed):
    response = getattr(client, method)(path)
    failure(response, 405)
    assert response["Allow"] == allowed


def test_the_request_id_is_echoed(client, example):
    response = client.get("/outpack/", HTTP_X_REQUEST_ID="abc-123")
    assert response["x-request-id"] == "abc-123"
    failed = client.get("/outpack/nope", HTTP_X_REQUEST_ID="def-456")
    assert failed["x-request-id"] == "def-456"


def test_request_ids_are_made_when_missing(client, example):
    first, second = client.get("/outpack/"), client.get("/outpack/")
    assert len(first["x-request-id"]) == 36 and first["x-request-id"] != second["x-request-id"]


@pytest.mark.urls("tests.packets.urls_misjoined")
def test_a_location_url_without_its_trailing_slash_says_what_to_do(client, example):
    error = failure(client.get("/metadata/list"), 404)
    assert "add a trailing slash: use 'http://testserver/outpack/'" in error["detail"]
    response = client.post("/packets/missing", {"ids": []}, content_type="application/json")
    failure(response, 404)


@pytest.mark.urls("tests.packets.urls_misjoined")
def test_pyorderly_shows_the_trailing_slash_advice(example, live_server, settings):
    from pyorderly.outpack.location_http import OutpackLocationHTTP

    driver = OutpackLocationHTTP(live_server.url + "/outpack")
    with pytest.raises(requests.HTTPError, match="404 Error: .*add a trailing slash: use '"):
        driver.list_packets()


def test_a_broken_config_is_a_clear_500(client, example):
    (example / ".outpack" / "config.json").write_text("{")
    error = failure(client.get("/outpack/checksum"), 500)
    assert "is not readable JSON" in error["detail"]
