"""What a project id or a label may be: never `.` or `..` (browsers and clients remove them from
URLs), never a character that turns the text around it (display spoofing); names stored before
these rules stay readable (issue 11, item 6)."""

import json

import pytest
from django.utils import timezone

from reprostore.records.models import Project, Record
from tests.records.helpers import PROJECT_V4, assert_error, get, put
from tests.support.records import record_body

BIDI = ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"]
MARKS = ["\u200e", "\u200f", "\u061c"]


def url_part(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@pytest.mark.parametrize("name", [".", ".."])
def test_dot_names_are_refused_as_project_ids_and_labels(client, cast, name):
    response = put(client, f"/records/{url_part(name)}/", b"{}", cast.writer, PROJECT_V4)
    assert_error(response, 400, f"Invalid project id '{name}': browsers and HTTP clients remove")
    response = put(client, f"/records/Private/{url_part(name)}/", record_body(name), cast.writer)
    assert_error(response, 400, f"Invalid label '{name}'")
    assert not Project.objects.filter(name=name).exists()
    assert not Record.objects.filter(label=name).exists()


@pytest.mark.parametrize("char", BIDI + MARKS)
def test_characters_that_turn_text_around_are_refused(client, cast, char):
    name = f"report{char}txt.exe"
    escaped = f"\\u{ord(char):04x}"
    response = put(client, f"/records/{url_part(name)}/", b"{}", cast.writer, PROJECT_V4)
    assert_error(response, 400, f"Invalid project id 'report{escaped}txt.exe': it holds U+")
    assert char not in json.loads(response.content)["error"]
    response = put(client, f"/records/Private/{url_part(name)}/", record_body(name), cast.writer)
    assert_error(response, 400, "changes the direction of the text")
    assert not Project.objects.filter(name=name).exists()


@pytest.mark.parametrize("name", ["run.1", "...", "a..b", "Übung", "実験", "x y"])
def test_ordinary_names_are_still_accepted(client, cast, name):
    response = put(client, f"/records/Private/{url_part(name)}/", record_body(name), cast.writer)
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("name", ["..", "spoof\u202efdp.exe"])
def test_names_stored_before_the_rules_stay_readable(client, cast, name):
    # As an earlier version stored them.
    project = Project.objects.create(name=name, public=True)
    Record.objects.create(
        project=project, label=name, timestamp=timezone.now(), body=record_body(name).decode()
    )
    listing = get(client, f"/records/{url_part(name)}/", cast.reader)
    assert listing.status_code == 200
    assert json.loads(b"".join(listing.streaming_content))["id"] == name
    record = get(client, f"/records/{url_part(name)}/{url_part(name)}/", cast.reader)
    assert record.status_code == 200
    assert json.loads(record.content)["label"] == name
