"""People who meet an API error in a browser get a page; clients keep the JSON errors."""

import json

from tests.conftest import basic_auth


def test_anonymous_visitors_are_sent_to_log_in_not_challenged(client, cast):
    response = client.get("/records/Private/", HTTP_ACCEPT="text/html")
    assert response.status_code == 302
    assert "WWW-Authenticate" not in response


def test_a_private_project_looks_like_a_missing_one(client, cast):
    client.force_login(cast.stranger)
    private = client.get("/records/Private/", HTTP_ACCEPT="text/html")
    missing = client.get("/records/Nothing/", HTTP_ACCEPT="text/html")
    assert private.status_code == missing.status_code == 404
    shown = private.content.decode().split("<main", 1)[1]
    assert shown == missing.content.decode().split("<main", 1)[1].replace("Nothing", "Private")


def test_clients_still_get_the_protocol_errors(client, cast):
    response = client.get(
        "/records/Private/", HTTP_ACCEPT="application/json", **basic_auth("mallory")
    )
    assert response.status_code == 404
    assert json.loads(response.content) == {"error": "Project 'Private' does not exist"}
    anonymous = client.get("/records/Private/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == 'Basic realm="reprostore"'


def test_web_pages_that_do_not_exist_are_pages_too(client, cast):
    client.force_login(cast.owner)
    response = client.get("/packets/x/y/z/w/")
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.content.decode()
