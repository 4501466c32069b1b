"""Bad requests get a clear 4xx in the API's error shape, and nothing stored changes."""

import json

import pytest
from django.test import override_settings

from reprostore.records.models import Record, Revision
from tests.conftest import basic_auth
from tests.records.helpers import assert_error, get, put
from tests.support.records import record_body, record_document

pytestmark = pytest.mark.django_db

URL = "/records/Private/kept/"


@pytest.fixture
def stored(client, cast):
    assert put(client, URL, record_body("kept", tags=["_running_"]), cast.writer).status_code == 201
    return get(client, URL, cast.reader).content


def assert_unchanged(client, cast, stored):
    assert get(client, URL, cast.reader).content == stored
    assert Revision.objects.count() == 1


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"\xff\xfe\x00", "not"),
        (record_body("other"), "differs from the URL"),
        (
            json.dumps(
                {k: v for k, v in record_document("kept").items() if k != "executable"}
            ).encode(),
            "no 'executable'",
        ),
        (record_body("kept", tags="_finished_"), "'tags' must be an array"),
        (record_body("kept", tags=[1, 2]), "must be a string"),
        (record_body("kept", timestamp="yesterday"), "Invalid timestamp 'yesterday'"),
        (
            record_body(
                "kept", parameters={"type": "dict", "content": "__import__('os').system('id')"}
            ),
            "Python literal",
        ),
        (
            record_body(
                "kept", datastore={"type": "FileSystemDataStore", "parameters": "{'root': '/'}"}
            ),
            "must be an object",
        ),
        (record_body("kept", launch_mode="serial"), "'launch_mode' must be an object"),
    ],
)
def test_a_bad_record_is_a_400_and_changes_nothing(client, cast, stored, body, fragment):
    assert_error(put(client, URL, body, cast.writer), 400, fragment)
    assert_unchanged(client, cast, stored)


def test_a_reserved_label_is_refused(client, cast):
    assert_error(
        put(client, "/records/Private/last/", record_body("last"), cast.writer), 400, "reserved"
    )


def test_an_unknown_project_is_404_for_a_user_and_401_for_anonymous(client, cast):
    assert_error(put(client, "/records/Nope/r/", record_body("r"), cast.writer), 404, "'Nope'")
    assert_error(get(client, "/records/Nope/", cast.writer), 404, "'Nope' does not exist")
    response = get(client, "/records/Nope/")
    assert_error(response, 401, "Authentication required")
    assert response["WWW-Authenticate"].startswith("Basic")


def test_a_wrong_password_is_a_401_challenge(client, cast, stored):
    response = client.put(
        URL, record_body("kept"), content_type="application/json", **basic_auth("carol", "wrong")
    )
    assert_error(response, 401, "Authentication required")
    assert response["WWW-Authenticate"] == 'Basic realm="reprostore"'
    assert_unchanged(client, cast, stored)


def test_a_reader_cannot_write(client, cast, stored):
    assert_error(
        put(client, URL, record_body("kept", reason="x"), cast.reader), 403, "may not write"
    )
    assert_error(client.delete(URL, **basic_auth("bob")), 403, "may not write")
    assert_unchanged(client, cast, stored)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_body_is_a_413(client, cast, stored):
    assert_error(
        put(client, URL, record_body("kept", diff="x" * 2000), cast.writer), 413, "too large"
    )
    assert_unchanged(client, cast, stored)


def test_an_unknown_format_is_a_406(client, cast, stored):
    assert_error(get(client, URL + "?format=xml", cast.reader), 406, "Unknown format 'xml'")
    assert_error(get(client, URL, cast.reader, accept="application/xml"), 406, "application/xml")


def test_other_methods_are_405(client, cast):
    response = client.post(URL, b"{}", content_type="application/json", **basic_auth("carol"))
    assert response.status_code == 405
    assert "PUT" in response["Allow"]
    assert Record.objects.count() == 0
