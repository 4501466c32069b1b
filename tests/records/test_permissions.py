"""Who may do what: the permission matrix of the Sumatra API."""

import json

import pytest

from reprostore.records.models import Level, Project, ProjectPermission
from tests.conftest import basic_auth
from tests.records.helpers import assert_error, delete, get, put
from tests.support.records import record_body

pytestmark = pytest.mark.django_db

READ, WRITE, ADMIN = "read", "write", "admin"
EXPECTED = {
    # who: (private project, public project) status for a read / a write
    "owner": ({READ: 200, WRITE: 201}, {READ: 200, WRITE: 201}),
    "writer": ({READ: 200, WRITE: 201}, {READ: 200, WRITE: 201}),
    "reader": ({READ: 200, WRITE: 403}, {READ: 200, WRITE: 403}),
    # A private project answers a stranger exactly as a missing one would.
    "stranger": ({READ: 404, WRITE: 404}, {READ: 200, WRITE: 403}),
    "admin": ({READ: 200, WRITE: 201}, {READ: 200, WRITE: 201}),
    None: ({READ: 401, WRITE: 401}, {READ: 200, WRITE: 401}),
}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize("project_index", [0, 1])
def test_read_and_write_access(client, cast, who, project_index):
    user = getattr(cast, who) if who else None
    project = ["Private", "Public"][project_index]
    expected = EXPECTED[who][project_index]
    assert get(client, f"/records/{project}/", user).status_code == expected[READ]
    assert (
        put(client, f"/records/{project}/r/", record_body("r"), user).status_code == expected[WRITE]
    )


@pytest.mark.parametrize("who, status", [("stranger", 403), ("reader", 403), (None, 401)])
def test_deleting_needs_write_access_even_on_a_public_project(client, cast, who, status):
    put(client, "/records/Public/keep/", record_body("keep", tags=["t"]), cast.writer)
    user = getattr(cast, who) if who else None
    assert delete(client, "/records/Public/keep/", user).status_code == status
    assert delete(client, "/records/Public/tag/t/", user).status_code == status
    assert get(client, "/records/Public/keep/").status_code == 200


def test_anonymous_listing_is_challenged(client, cast):
    response = get(client, "/records/")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")


def test_listing_shows_only_readable_projects(client, cast):
    Project.objects.create(name="Hidden")
    names = lambda user: [p["id"] for p in json.loads(get(client, "/records/", user).content)]  # noqa: E731
    assert names(cast.stranger) == ["Private", "Public"][1:]
    assert sorted(names(cast.reader)) == ["Private", "Public"]
    assert sorted(names(cast.admin)) == ["Hidden", "Private", "Public"]


def test_creating_a_project_makes_the_creator_admin(client, cast):
    body = json.dumps({"name": "Long name", "description": "About it"}).encode()
    response = put(
        client, "/records/Fresh/", body, cast.stranger, "application/vnd.sumatra.project-v4+json"
    )
    assert response.status_code == 201
    assert ProjectPermission.objects.get(project__name="Fresh").level == Level.ADMIN
    info = json.loads(b"".join(get(client, "/records/Fresh/", cast.stranger).streaming_content))
    assert (info["name"], info["description"], info["records"]) == ("Long name", "About it", [])


def test_updating_a_project_needs_write_access(client, cast):
    body = json.dumps({"description": "changed"}).encode()
    assert_error(put(client, "/records/Private/", body, cast.stranger), 404, "does not exist")
    assert_error(put(client, "/records/Private/", body, cast.reader), 403, "may not write")
    assert put(client, "/records/Private/", body, None).status_code == 401
    assert put(client, "/records/Private/", body, cast.writer).status_code == 200
    assert Project.objects.get(name="Private").description == "changed"


def test_a_bad_project_body_is_a_400(client, cast):
    assert_error(put(client, "/records/New/", b"{oops", cast.writer), 400, "not valid JSON")
    assert_error(
        put(client, "/records/New/", b'{"name": 3}', cast.writer), 400, "'name' must be a string"
    )
    assert not Project.objects.filter(name="New").exists()


def test_granting_needs_admin_and_a_level(client, cast):
    url = "/records/Private/permissions/"
    body = json.dumps({"user": "mallory", "level": "read"}).encode()
    assert (
        client.post(url, body, content_type="application/json", **basic_auth("carol")).status_code
        == 403
    )
    assert client.post(url, body, content_type="application/json").status_code == 401
    response = client.post(
        url, b'{"user": "mallory"}', content_type="application/json", **basic_auth("alice")
    )
    assert_error(response, 400, "Missing level: use read, write or admin")
    assert (
        client.post(url, body, content_type="application/json", **basic_auth("alice")).status_code
        == 204
    )
    assert ProjectPermission.objects.get(user=cast.stranger).level == "read"
    listed = json.loads(get(client, url, cast.owner).content)
    assert {"user": "mallory", "level": "read"} in listed["permissions"]
