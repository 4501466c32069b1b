"""Every way of changing a grant follows the same rules with the same words: the JSON API, the
permissions page and `reprostore grant`."""

import json

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command

from reprostore.records.models import ProjectPermission
from tests.conftest import basic_auth

API = "/records/Private/permissions/"
PAGE = "/projects/Private/access/"
SELF_DEMOTION = "You can't lower or remove your own access to 'Private'"


def level_of(user) -> str:
    return ProjectPermission.objects.get(project__name="Private", user=user).level


def change_by_api(client, actor, user, level):
    body = json.dumps({"user": user.username, "level": level})
    response = client.post(API, body, content_type="application/json", **basic_auth(actor.username))
    message = json.loads(response.content)["error"] if response.content else ""
    return response.status_code, message


def change_by_page(client, actor, user, level):
    client.force_login(actor)
    response = client.post(PAGE, {"action": "grant", "user": user.username, "level": level})
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    client.logout()
    return response.status_code, " ".join(messages)


@pytest.mark.parametrize("change", [change_by_api, change_by_page])
def test_an_admin_cannot_lower_their_own_grant(client, cast, change):
    _, message = change(client, cast.owner, cast.owner, "read")
    assert SELF_DEMOTION in message
    assert level_of(cast.owner) == "admin"


def test_the_api_and_the_page_refuse_in_the_same_words(client, cast):
    _, by_api = change_by_api(client, cast.owner, cast.owner, "write")
    _, by_page = change_by_page(client, cast.owner, cast.owner, "write")
    assert by_api == by_page


@pytest.mark.parametrize("change", [change_by_api, change_by_page])
def test_an_admin_may_change_someone_elses_grant(client, cast, change):
    change(client, cast.owner, cast.reader, "write")
    assert level_of(cast.reader) == "write"


@pytest.mark.parametrize("change", [change_by_api, change_by_page])
def test_a_superuser_may_lower_their_own_grant(client, cast, change):
    from reprostore.accounts.access import Level
    from reprostore.records.operations import do_grant

    do_grant(None, cast.project, cast.admin, Level.ADMIN)
    change(client, cast.admin, cast.admin, "read")
    assert level_of(cast.admin) == "read"


@pytest.mark.parametrize("change", [change_by_api, change_by_page])
def test_a_writer_may_not_change_grants(client, cast, change):
    status, _ = change(client, cast.writer, cast.stranger, "admin")
    assert status in (403, 404)
    assert not ProjectPermission.objects.filter(user=cast.stranger).exists()


def test_the_command_line_may_change_any_grant(cast):
    call_command("grant", "alice", "Private", "--level", "read")
    assert level_of(cast.owner) == "read"
