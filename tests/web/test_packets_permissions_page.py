"""Administrators of the packets manage who may read, push and administer them from
/permissions/packets/, through the same functions and rules as `reprostore grant`."""

import pytest
from django.test import Client

from reprostore.packets.models import PacketGrant
from tests.support.packet_access import grant_cast_packets

PAGE = "/permissions/packets/"


def grants():
    return {
        (grant.user.username if grant.user else "anonymous", grant.name): grant.level
        for grant in PacketGrant.objects.select_related("user")
    }


@pytest.fixture
def admin(client, cast):
    grant_cast_packets(cast)
    client.force_login(cast.owner)
    return client


def test_admins_see_who_has_access(admin, html):
    page = html(PAGE).content.decode()
    for name in ("alice", "bob", "carol"):
        assert f'<th scope="row">{name}</th>' in page
    assert "open to everyone" not in page


def test_the_page_says_when_the_setting_opens_the_location(admin, html, settings):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "read"
    page = html(PAGE).content.decode()
    assert "<code>REPROSTORE_OUTPACK_ANONYMOUS=read</code>" in page


@pytest.mark.parametrize("who", ["writer", "reader", "stranger"])
def test_others_may_not_see_it(client, cast, html, who):
    grant_cast_packets(cast)
    client.force_login(getattr(cast, who))
    assert html(PAGE).status_code == 404
    response = client.post(PAGE, {"action": "grant", "user": "mallory", "level": "admin"})
    assert response.status_code == 404
    assert ("mallory", "") not in grants()


def test_anonymous_visitors_are_asked_to_log_in(client, cast):
    response = client.post(PAGE, {"action": "grant", "user": "anonymous", "level": "write"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert grants() == {}


def test_superusers_manage_the_packets(client, cast, html):
    client.force_login(cast.admin)
    assert html(PAGE).status_code == 200


def test_an_admin_grants_changes_and_removes(admin):
    response = admin.post(PAGE, {"action": "grant", "user": "mallory", "level": "write"})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert grants()[("mallory", "")] == "write"
    admin.post(PAGE, {"action": "grant", "user": "mallory", "level": "read", "name": "data"})
    assert grants()[("mallory", "data")] == "read"
    admin.post(PAGE, {"action": "revoke", "user": "mallory", "name": ""})
    assert ("mallory", "") not in grants() and ("mallory", "data") in grants()


def test_an_admin_opens_the_location_to_anonymous_callers(admin):
    admin.post(PAGE, {"action": "grant", "user": "anonymous", "level": "read"})
    assert grants()[("anonymous", "")] == "read"
    assert Client().get("/outpack/metadata/list").status_code != 401


@pytest.mark.parametrize(
    "form, message",
    [
        ({"user": "nobody", "level": "read"}, "No such user &#x27;nobody&#x27;"),
        ({"user": "bob", "level": "owner"}, "Invalid level &#x27;owner&#x27;"),
        ({"user": "bob", "level": "write", "name": "data"}, "can only be read"),
        ({"user": "anonymous", "level": "admin"}, "Anonymous callers can&#x27;t administer"),
        ({"user": "alice", "level": "read"}, "can&#x27;t lower or remove your own access"),
    ],
)
def test_refusals_are_explained(admin, form, message):
    before = grants()
    response = admin.post(PAGE, {"action": "grant", **form}, follow=True, HTTP_ACCEPT="text/html")
    assert message in response.content.decode()
    assert grants() == before


def test_changes_need_the_csrf_token(cast):
    grant_cast_packets(cast)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.owner)
    response = client.post(PAGE, {"action": "grant", "user": "mallory", "level": "read"})
    assert response.status_code == 403
    assert ("mallory", "") not in grants()


def test_the_packets_page_links_it_for_admins_only(client, cast, html, outpack_root):
    grant_cast_packets(cast)
    client.force_login(cast.owner)
    assert f'href="{PAGE}"' in html("/packets/").content.decode()
    client.force_login(cast.reader)
    assert f'href="{PAGE}"' not in html("/packets/").content.decode()
