"""A record document that a reader could not take back is refused with a 400 naming the field,
and nothing one client sends breaks a page or a later write for everyone (issue 12)."""

import json

import pytest

from reprostore.records.models import Project, Record, RecordParameter, Revision
from tests.conftest import basic_auth
from tests.records.helpers import PROJECT_V4, assert_error, get, put
from tests.support.records import record_body, record_document

pytestmark = pytest.mark.django_db

URL = "/records/Private/run/"


def document_text(**changes) -> str:
    return json.dumps(record_document("run", **changes))


def assert_pages_still_answer(client, cast):
    for url in ("/records/Private/", "/records/Private/?format=html", "/"):
        response = get(client, url, cast.reader)
        assert response.status_code == 200, (url, response.status_code)
    for record in Record.objects.filter(project__name="Private"):
        url = f"/records/Private/{record.label}/"
        assert get(client, url, cast.reader).status_code == 200
        assert get(client, url + "?format=html", cast.reader).status_code == 200


@pytest.mark.parametrize(
    "text, fragment",
    [
        (document_text(duration=1.5).replace("1.5", "1e400"), "'duration' is not a finite"),
        (document_text(duration=1.5).replace("1.5", "1e999"), "'duration' is not a finite"),
        (document_text(duration=1.5).replace("1.5", "NaN"), "NaN is not valid JSON"),
        (document_text(duration=1.5).replace("1.5", "-Infinity"), "-Infinity is not valid JSON"),
        (document_text(duration=1.5).replace("1.5", "1" + "0" * 400), "'duration' is a number"),
        (document_text(reason="XX").replace("XX", "\\ud800"), "'reason' holds a lone surrogate"),
        (document_text(tags=["XX"]).replace("XX", "\\udfff"), "'tags[0]' holds a lone surrogate"),
        (
            document_text(timestamp="9999-12-31 23:59:59-0100"),
            "outside the years 1 to 9999",
        ),
        (document_text(timestamp="0001-01-01 00:30:00+0100"), "outside the years 1 to 9999"),
        ("[" * 100_000 + "]" * 100_000, "nested more than"),
        ('{"a":' * 5000 + "1" + "}" * 5000, "nested more than"),
    ],
)
def test_values_a_reader_cannot_take_back_are_refused(client, cast, text, fragment):
    assert_error(put(client, URL, text.encode(), cast.writer), 400, fragment)
    assert not Record.objects.exists()
    assert_pages_still_answer(client, cast)


def test_a_byte_order_mark_is_refused_and_nothing_is_stored(client, cast):
    response = put(client, URL, b"\xef\xbb\xbf" + record_body("run"), cast.writer)
    assert_error(response, 400, "byte-order mark")
    assert not Record.objects.exists() and not Revision.objects.exists()


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"output_data": 1}, "The record's 'output_data' must be an array, not 1"),
        ({"executable": {}}, "The record's 'executable' has no 'path' field"),
        ({"executable": {"path": 1, "version": "1", "name": "Python"}}, "'executable.path'"),
        ({"repository": []}, "'repository' must be an object"),
        ({"duration": "long"}, "'duration' must be a number or null"),
        ({"main_file": 3}, "'main_file' must be a string or null"),
        ({"parameters": {"type": "eval", "content": ""}}, "'parameters.type' must be one of"),
        (
            {"parameters": {"type": "JSONParameterSet", "content": "{nope"}},
            "'parameters.content' must be JSONParameterSet",
        ),
        (
            {"parameters": {"type": "YAMLParameterSet", "content": "- a list"}},
            "'parameters.content' must be YAMLParameterSet",
        ),
        (
            {"launch_mode": {"type": "SerialLaunchMode", "parameters": {"shell": "rm"}}},
            "'launch_mode.parameters' can't have the key \"shell\"",
        ),
        ({"launch_mode": {"type": "Popen", "parameters": {}}}, "'launch_mode.type' must be one"),
        ({"datastore": {"type": "FileSystemDataStore"}}, "'datastore' has no 'parameters'"),
        (
            {"output_data": [{"path": "a", "digest": "b", "metadata": {"path": "c"}}]},
            "'output_data[0].metadata' can't have the key \"path\"",
        ),
        (
            {"output_data": [{"path": "a", "digest": "b", "metadata": {}, "creation": "soon"}]},
            "Invalid timestamp 'soon' for 'output_data[0].creation'",
        ),
        ({"input_data": [7]}, "'input_data[0]' is not valid"),
        (
            {"dependencies": [{"name": "x", "path": "/", "version": "1", "module": "os"}]},
            "'dependencies[0]' has no 'diff' field",
        ),
        (
            {
                "dependencies": [
                    {"name": "x", "path": "/", "version": "1", "module": "os", "diff": ""}
                ]
            },
            "'dependencies[0].module' must be one of",
        ),
        ({"platforms": ["Linux"]}, "'platforms[0]' must be an object"),
        ({"tags": "_finished_"}, "'tags' must be an array"),
        ({"diff": None}, "'diff' must be a string, not null"),
    ],
)
def test_a_wrongly_shaped_record_is_a_400_naming_the_field(client, cast, changes, fragment):
    body = json.dumps(record_document("run", **changes)).encode()
    assert_error(put(client, URL, body, cast.writer), 400, fragment)
    assert not Record.objects.exists()


def test_a_record_as_sumatra_writes_it_is_accepted_with_nulls_where_it_writes_them(client, cast):
    # Right after `new_record`, before the run: no duration yet; the Python API's reason=None.
    body = record_body("run", duration=None, reason=None, main_file=None, stdout_stderr=None)
    assert put(client, URL, body, cast.writer).status_code == 201
    assert Record.objects.get().duration is None


def test_a_yaml_billion_laughs_is_stored_but_not_expanded(client, cast):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level, name in enumerate("bcdefg"):
        previous = "abcdefg"[level]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 10) + "]")
    content = "\n".join(lines)
    assert len(content) < 1000  # 10^7 strings once expanded
    parameters = {"type": "YAMLParameterSet", "content": content}
    body = record_body("run", parameters=parameters)
    assert put(client, URL, body, cast.writer).status_code == 201

    stored = sum(len(p.text or "") for p in RecordParameter.objects.all())
    assert stored < 100_000
    page = get(client, URL + "?format=html", cast.reader)
    assert page.status_code == 200 and len(page.content) < 1_000_000
    assert_pages_still_answer(client, cast)


@pytest.mark.parametrize(
    "content",
    [
        "{'when': b'bytes', 'set': {1, 2}, 'z': 1j}",  # a dict literal the client evaluates
        "{'nested': " * 200 + "1" + "}" * 200,
    ],
)
def test_parameter_values_that_are_not_json_data_are_still_stored(client, cast, content):
    body = record_body("run", parameters={"type": "dict", "content": content})
    assert put(client, URL, body, cast.writer).status_code == 201
    assert_pages_still_answer(client, cast)


def test_yaml_dates_and_json_escapes_in_parameters_are_indexed_as_text(client, cast):
    for label, parameters in (
        ("yaml", {"type": "YAMLParameterSet", "content": "day: 2024-05-06\nn: .nan"}),
        ("json", {"type": "JSONParameterSet", "content": '{"\\ud800": "\\udfff", "n": NaN}'}),
    ):
        body = record_body(label, parameters=parameters)
        response = put(client, f"/records/Private/{label}/", body, cast.writer)
        assert response.status_code == 201, response.content
    assert RecordParameter.objects.filter(name="day", text="2024-05-06").exists()
    assert RecordParameter.objects.filter(name="\ufffd", text="\ufffd").exists()
    assert_pages_still_answer(client, cast)


def test_a_record_stored_with_a_byte_order_mark_still_shows_and_takes_updates(client, cast):
    # Stored before byte-order marks were refused.
    sent = "\ufeff" + json.dumps(record_document("run", tags=["_finished_"]))
    project = Project.objects.get(name="Private")
    Record.objects.create(
        project=project, label="run", body=sent, final=True, timestamp="2024-05-06T07:08:09Z"
    )
    assert_pages_still_answer(client, cast)
    body = record_body("run", tags=["_finished_", "reviewed"])
    assert put(client, URL, body, cast.writer).status_code == 200
    assert json.loads(get(client, URL, cast.reader).content)["tags"] == ["_finished_", "reviewed"]


def test_a_non_finite_duration_stored_earlier_does_not_break_the_pages(client, cast):
    project = Project.objects.get(name="Private")
    body = json.dumps(record_document("run")).replace('"duration": 1.25', '"duration": 1e400')
    Record.objects.create(
        project=project,
        label="run",
        body=body,
        duration=float("inf"),
        timestamp="2024-05-06T00:00:00Z",
    )
    assert_pages_still_answer(client, cast)


@pytest.mark.parametrize(
    "method, url, body",
    [
        ("put", "/records/Deep/", b"[" * 100_000),
        ("put", "/records/Deep/", b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        ("put", "/records/Private/run/", b"[" * 100_000 + b"]" * 100_000),
        ("post", "/records/Private/permissions/", b"[" * 100_000 + b"]" * 100_000),
    ],
)
def test_deeply_nested_json_is_a_400_on_every_records_endpoint(client, cast, method, url, body):
    send = getattr(client, method)
    response = send(url, body, content_type=PROJECT_V4, **basic_auth("alice"))
    assert_error(response, 400, "nested")


@pytest.mark.parametrize("key", ["name", "description"])
def test_nul_in_a_project_name_or_description_is_a_400(client, cast, key):
    body = json.dumps({key: "a\x00b"}).encode()
    response = client.put("/records/Private/", body, content_type=PROJECT_V4, **basic_auth("alice"))
    assert_error(response, 400, "NUL")
    assert Project.objects.get(name="Private").description == ""


@pytest.mark.parametrize(
    "url", ["/records/a%00b/", "/records/Private/a%00b/", "/records/Private/tag/a%00b/"]
)
def test_nul_in_a_url_is_never_a_server_error(client, cast, url):
    # PostgreSQL can't compare text with NUL: it used to be a 503 with Retry-After.
    response = get(client, url, cast.reader)
    if response.streaming:  # a tag no record has: an empty listing, read to its end
        assert json.loads(b"".join(response.streaming_content))["records"] == []
    else:
        assert response.status_code in (400, 404), response.content
        assert "Retry-After" not in response
    page = get(client, url + "?format=html", cast.reader)
    assert page.status_code in (200, 400, 404)


def test_a_record_put_with_nul_in_a_url_label_is_a_400(client, cast):
    response = put(client, "/records/Private/a%00b/", record_body("a\x00b"), cast.writer)
    assert_error(response, 400, "Invalid label")


def test_nul_in_basic_credentials_is_an_unknown_user(client, cast):
    response = client.get("/records/Private/", **basic_auth("alice\x00x"))
    assert response.status_code == 401


def test_nul_in_a_grant_is_a_400(client, cast):
    body = json.dumps({"user": "bob\x00", "level": "read"}).encode()
    response = client.post(
        "/records/Private/permissions/",
        body,
        content_type="application/json",
        **basic_auth("alice"),
    )
    assert response.status_code == 400, response.content
