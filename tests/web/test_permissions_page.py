"""Project admins manage who may read and write a project from its permissions page."""

import pytest

from reprostore.records.models import ProjectPermission

ACCESS = "/projects/Private/access/"


def level_of(project, user):
    grant = ProjectPermission.objects.filter(project=project, user=user).first()
    return grant.level if grant else None


def test_admins_see_who_has_access(client, html, cast):
    client.force_login(cast.owner)
    response = html("/records/Private/permissions/")
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("alice", "bob", "carol"):
        assert f'<th scope="row">{name}</th>' in page


@pytest.mark.parametrize("who", ["writer", "reader", "stranger"])
def test_others_may_not_see_the_permissions(client, html, cast, who):
    client.force_login(getattr(cast, who))
    assert html("/records/Private/permissions/").status_code == 404


def test_an_admin_grants_access(client, cast):
    client.force_login(cast.owner)
    response = client.post(ACCESS, {"action": "grant", "user": "mallory", "level": "read"})
    assert response.status_code == 302
    assert response["Location"] == "/records/Private/permissions/"
    assert level_of(cast.project, cast.stranger) == "read"


def test_an_admin_changes_a_level(client, cast):
    client.force_login(cast.owner)
    client.post(ACCESS, {"action": "grant", "user": "bob", "level": "write"})
    assert level_of(cast.project, cast.reader) == "write"


def test_an_admin_removes_access(client, cast):
    client.force_login(cast.owner)
    client.post(ACCESS, {"action": "revoke", "user": "bob"})
    assert level_of(cast.project, cast.reader) is None


def test_an_admin_makes_a_project_public_and_private_again(client, cast):
    client.force_login(cast.owner)
    client.post(ACCESS, {"action": "visibility", "public": "on"})
    cast.project.refresh_from_db()
    assert cast.project.public
    client.post(ACCESS, {"action": "visibility"})
    cast.project.refresh_from_db()
    assert not cast.project.public


def test_an_unknown_user_is_reported(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        ACCESS,
        {"action": "grant", "user": "nobody", "level": "read"},
        follow=True,
        HTTP_ACCEPT="text/html",
    )
    assert "No such user &#x27;nobody&#x27;" in response.content.decode()


def test_admins_may_not_lock_themselves_out(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        ACCESS, {"action": "revoke", "user": "alice"}, follow=True, HTTP_ACCEPT="text/html"
    )
    assert "You can&#x27;t lower or remove your own access" in response.content.decode()
    assert level_of(cast.project, cast.owner) == "admin"


def test_superusers_manage_any_project(client, cast):
    client.force_login(cast.admin)
    client.post(ACCESS, {"action": "revoke", "user": "alice"})
    assert level_of(cast.project, cast.owner) is None


@pytest.mark.parametrize("who", ["writer", "reader", "stranger"])
def test_only_admins_may_change_access(client, cast, who):
    client.force_login(getattr(cast, who))
    response = client.post(ACCESS, {"action": "grant", "user": "mallory", "level": "admin"})
    assert response.status_code == 404
    assert level_of(cast.project, cast.stranger) is None


def test_anonymous_visitors_change_nothing(client, cast):
    response = client.post(ACCESS, {"action": "visibility", "public": "on"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    cast.project.refresh_from_db()
    assert not cast.project.public


def test_changes_need_the_csrf_token(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.owner)
    response = client.post(ACCESS, {"action": "grant", "user": "mallory", "level": "read"})
    assert response.status_code == 403
    assert level_of(cast.project, cast.stranger) is None


def test_changes_are_posts(client, cast):
    client.force_login(cast.owner)
    assert client.get(ACCESS).status_code == 405
