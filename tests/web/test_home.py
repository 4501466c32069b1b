"""The home page: the projects a person may read, and the packets if they may read those."""

import re

import pytest

from tests.support.packet_access import grant_packets


@pytest.mark.parametrize(
    "who, sees_private",
    [("owner", True), ("writer", True), ("reader", True), ("admin", True), ("stranger", False)],
)
def test_it_lists_only_the_projects_the_user_may_read(client, cast, who, sees_private):
    client.force_login(getattr(cast, who))
    page = client.get("/").content.decode()
    assert 'href="/records/Public/"' in page
    assert ('href="/records/Private/"' in page) is sees_private
    assert (">Private<" in page) is sees_private


def test_anonymous_visitors_see_public_projects_and_a_login_link(client, cast):
    page = client.get("/").content.decode()
    assert 'href="/records/Public/"' in page
    assert "Private" not in page
    assert 'href="/accounts/login/' in page


def test_it_counts_records(client, cast, records):
    client.force_login(cast.reader)
    response = client.get("/")
    counts = {row["name"]: row["record_count"] for row in response.context["projects"].values()}
    assert counts == {"Private": 3, "Public": 0}


def test_it_summarises_packets_when_they_may_be_read(client, cast, packets):
    grant_packets(cast.reader, "read")
    client.force_login(cast.reader)
    page = client.get("/").content.decode()
    assert "2 packets of 2 names" in page
    assert 'href="/packets/"' in page


def test_it_summarises_only_the_packets_of_a_group_reader(client, cast, packets):
    grant_packets(cast.stranger, "read", "model-fit")
    client.force_login(cast.stranger)
    assert "1 packet of 1 name" in client.get("/").content.decode()


def test_it_hides_packets_from_users_without_a_grant(client, cast, packets):
    client.force_login(cast.stranger)
    page = client.get("/").content.decode()
    assert "/packets/" not in page
    assert "Packets" not in page


def test_it_hides_packets_from_anonymous_visitors_when_outpack_is_closed(client, cast, packets):
    page = client.get("/").content.decode()
    assert "/packets/" not in page
    assert "Packets" not in page


def test_staff_get_a_link_to_the_admin(client, cast):
    client.force_login(cast.admin)
    assert 'href="/admin/"' in client.get("/").content.decode()
    client.force_login(cast.owner)
    assert 'href="/admin/"' not in client.get("/").content.decode()


def test_pages_load_nothing_from_other_sites(client, cast, records):
    client.force_login(cast.owner)
    for url in ("/", "/records/Private/?format=html", "/records/Private/run-a/?format=html"):
        page = client.get(url).content.decode()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), url
