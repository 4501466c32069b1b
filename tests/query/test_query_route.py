"""`GET /outpack/query?q=...&this=...`: ids in the outpack envelope, errors as 400s."""

import json
import shutil
from urllib.parse import urlencode

import pytest

from reprostore.query import parse
from tests.conftest import basic_auth
from tests.packets.conftest import failure, success
from tests.query.conftest import metadata_bytes
from tests.support.packet_access import grant_packets

QUERIES1 = ["20170818-164830-33e0ab01", "20170818-164847-7574883b", "20180818-164043-7cdcde4b"]


@pytest.fixture(autouse=True)
def open_for_reading(settings):
    """The route's own behaviour is tested as anonymous callers on a location opened to them;
    who may query is tested below and in tests/packets/test_permissions.py."""
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "read"


def ask(client, query=None, this=None, **headers):
    params = {k: v for k, v in (("q", query), ("this", this)) if v is not None}
    return client.get(f"/outpack/query?{urlencode(params)}", **headers)


def test_it_answers_with_the_ids_in_the_envelope(client, example):
    assert success(ask(client, 'name == "modup-201707-queries1"')) == QUERIES1
    assert success(ask(client, "latest")) == ["20180818-164043-7cdcde4b"]
    assert success(ask(client, 'name == "nope"')) == []


def test_this_is_a_json_object(client, example):
    response = ask(client, "latest(parameter:disease == this:d)", this=json.dumps({"d": "YF"}))
    assert success(response) == ["20180818-164043-7cdcde4b"]


@pytest.mark.parametrize("this", ["{not json", "[1]", "3", "null"])
def test_this_that_is_not_an_object_is_a_400(client, example, this):
    error = failure(ask(client, "this:a == 1", this=this), 400)
    assert error["detail"] == f"Invalid this '{this}': expected a JSON object such as {{\"a\": 1}}"


@pytest.mark.parametrize("query", ["foo", "name = 'x'", "single()", "", "latest(a, b)"])
def test_an_invalid_query_is_a_400_with_the_parser_message(client, example, query):
    with pytest.raises(ValueError) as parsed:
        parse(query)
    error = failure(ask(client, query), 400, detail=str(parsed.value))
    assert error["error"] == "invalid query"


def test_a_missing_query_is_a_400(client, example):
    assert "Missing query" in failure(ask(client), 400)["detail"]


@pytest.mark.parametrize(
    "query, detail",
    [
        (
            'single(name == "modup-201707-queries1")',
            "Query found 3 packets, but expected exactly one",
        ),
        ("this:x == 1", "this parameters are not supported in this context"),
        ("environment:x == 1", "environment lookup is not supported in this context"),
    ],
)
def test_a_query_that_cannot_be_answered_is_a_400(client, example, query, detail):
    failure(ask(client, query), 400, detail=detail)


def test_it_sees_packets_written_into_the_root_since_the_last_request(client, example):
    assert success(ask(client, "parameter:fresh == 1")) == []
    packet = "20240101-000000-0000000a"
    metadata = metadata_bytes(packet, "new", {"fresh": 1})
    (example / ".outpack" / "metadata" / packet).write_bytes(metadata)
    assert success(ask(client, "parameter:fresh == 1")) == [packet]


def test_other_methods_are_refused(client, example):
    failure(client.post("/outpack/query?q=latest"), 405)


@pytest.mark.parametrize(("anonymous", "status"), [("write", 200), ("read", 200), ("none", 401)])
def test_reading_follows_the_outpack_access_policy(client, example, settings, anonymous, status):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = anonymous
    response = ask(client, "latest")
    if status == 200:
        success(response)
    else:
        assert "sign in" in failure(response, status)["detail"]


def test_a_signed_in_reader_may_query_when_anonymous_may_not(client, example, settings, cast):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
    grant_packets(cast.reader, "read")
    assert success(ask(client, "latest", **basic_auth(cast.reader.username))) == [
        "20180818-164043-7cdcde4b"
    ]


def test_an_unservable_root_is_the_usual_500(client, settings, tmp_path, db):
    settings.REPROSTORE_ROOT = shutil.copytree(tmp_path, tmp_path / "no-root", dirs_exist_ok=True)
    assert "Outpack root not found" in failure(ask(client, "latest"), 500)["detail"]


def test_an_overlong_query_is_refused_before_parsing(client, example):
    response = client.get("/outpack/query", {"q": "(" * 60_000})
    assert response.status_code == 400
    assert "at most 50,000 are allowed" in response.json()["errors"][0]["detail"]
