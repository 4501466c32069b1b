"""What a caller can learn about projects they may not read (issue 11, item 7): a private
project answers a signed-in stranger exactly as a missing one; who holds grants is shown to a
project's admins only; the login redirect keeps the whole address it came from."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import basic_auth
from tests.support.records import record_body

PROJECT_V4 = "application/vnd.sumatra.project-v4+json"
# (A PUT of a project is left out: it creates a missing project, so a taken name shows anyway.)
REQUESTS = [
    ("get", "/records/{}/", None),
    ("get", "/records/{}/run/", None),
    ("get", "/records/{}/last/", None),
    ("get", "/records/{}/tag/t/", None),
    ("get", "/records/{}/permissions/", None),
    ("put", "/records/{}/run/", record_body("run")),
    ("delete", "/records/{}/run/", None),
    ("delete", "/records/{}/tag/t/", None),
    ("post", "/records/{}/permissions/", b'{"user": "mallory", "level": "admin"}'),
]


def answer(client, method, url, body):
    send = getattr(client, method)
    extra = {"content_type": "application/json"} if body is not None else {}
    args = (url, body) if body is not None else (url,)
    response = send(*args, HTTP_ACCEPT="application/json", **basic_auth("mallory"), **extra)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, content


@pytest.mark.parametrize("method, url, body", REQUESTS)
def test_a_private_project_answers_a_stranger_as_a_missing_one(client, cast, method, url, body):
    private = answer(client, method, url.format("Private"), body)
    missing = answer(client, method, url.format("Nothing"), body)
    assert private[0] == missing[0] == 404
    assert private[1] == missing[1].replace(b"Nothing", b"Private")


def test_a_reader_is_still_told_what_they_lack(client, cast):
    response = client.delete("/records/Private/run/", **basic_auth("bob"))
    assert response.status_code == 403
    assert json.loads(response.content) == {"error": "You may not write project 'Private'"}


def project_document(client, name, user):
    headers = basic_auth(user) if user else {}
    response = client.get(f"/records/{name}/", HTTP_ACCEPT="application/json", **headers)
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))


@pytest.mark.parametrize(
    "user, sees",
    [("alice", True), ("root", True), ("carol", False), ("bob", False), ("mallory", False)],
)
def test_only_admins_see_who_holds_grants(client, cast, user, sees):
    for name in ("Private", "Public"):
        if name == "Private" and user == "mallory":
            continue
        document = project_document(client, name, user)
        assert ("access" in document) is sees
        if sees:
            assert document["access"] == ["alice", "bob", "carol"]
    assert "access" not in project_document(client, "Public", None)
    tagged = client.get("/records/Public/tag/t/", HTTP_ACCEPT="application/json")
    assert "access" not in json.loads(b"".join(tagged.streaming_content))


@pytest.mark.parametrize(
    "url",
    ["/records/?a=1&b=2", "/records/Private/?q=label:%22x%22&sort=-label", "/packets/?q=a%26b"],
)
def test_the_login_redirect_keeps_the_whole_address(client, cast, settings, url):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query) == {"next": [url]}
