"""The permission matrix of the pages that show packets: every caller × every such page.

Anonymous visitors are sent to log in, a user without a grant is answered "not found", a
reader of one packet name sees only those packets (in lists, searches, dependencies and files),
and everyone else sees all.
"""

import time

import pytest

from tests.support.packet_access import grant_cast_packets
from tests.web.support import add_packet

CALLERS = ["anonymous", "stranger", "group_reader", "reader", "writer", "admin", "superuser"]
NOTHING, GROUP, ALL = "nothing", "group", "all"
MAY = {
    "anonymous": NOTHING,
    "stranger": NOTHING,
    "group_reader": GROUP,
    "reader": ALL,
    "writer": ALL,
    "admin": ALL,
    "superuser": ALL,
}


class Shown:
    def __init__(self, root):
        now = time.time()
        self.data = add_packet(root, "data", {"data.csv": b"x\n1\n"}, at=now - 100)
        self.secret = add_packet(
            root,
            "secret",
            {"secret.txt": b"hush\n"},
            depends=[(self.data, {"in.csv": "data.csv"})],
            at=now - 50,
        )


@pytest.fixture
def shown(db, outpack_root):
    return Shown(outpack_root)


@pytest.fixture
def visit(client, cast):
    """Log `caller` in (or not), and GET pages as their browser."""
    dave = grant_cast_packets(cast, group="data")
    users = {
        "stranger": cast.stranger,
        "group_reader": dave,
        "reader": cast.reader,
        "writer": cast.writer,
        "admin": cast.owner,
        "superuser": cast.admin,
    }

    def as_caller(caller):
        if caller != "anonymous":
            client.force_login(users[caller])
        return lambda url: client.get(url, HTTP_ACCEPT="text/html")

    return as_caller


def pages(shown, name):
    packet = shown.data if name == "data" else shown.secret
    file = "data.csv" if name == "data" else "secret.txt"
    return [
        f"/packets/{name}/",
        f"/packets/{name}/{packet}/",
        f"/packets/{name}/{packet}/files/{file}",
        f"/packets/{name}/{packet}/download/{file}",
    ]


def refused(response, caller):
    if caller == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("name", ["data", "secret"])
def test_the_pages_of_one_packet_name(shown, visit, caller, name):
    get = visit(caller)
    for url in pages(shown, name):
        response = get(url)
        if MAY[caller] == NOTHING or (MAY[caller] == GROUP and name == "secret"):
            refused(response, caller)
        else:
            assert response.status_code == 200, url


@pytest.mark.parametrize("caller", CALLERS)
def test_the_list_of_packet_names(shown, visit, caller):
    response = visit(caller)("/packets/")
    if MAY[caller] == NOTHING:
        return refused(response, caller)
    names = [group["name"] for group in response.context["page"].object_list]
    assert names == (["data"] if MAY[caller] == GROUP else ["secret", "data"])


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    "query, group_sees, all_see",
    [("latest", ["data"], ["secret"]), ('name == "secret"', [], ["secret"])],
)
def test_searching_packets(shown, visit, caller, query, group_sees, all_see):
    response = visit(caller)(f"/packets/?q={query}")
    if MAY[caller] == NOTHING:
        return refused(response, caller)
    found = [packet.name for packet in response.context["page"].object_list]
    assert found == (group_sees if MAY[caller] == GROUP else all_see)


@pytest.mark.parametrize("caller", CALLERS)
def test_the_home_page_summary(shown, visit, caller):
    page = visit(caller)("/").content.decode()
    if MAY[caller] == NOTHING:
        assert 'href="/packets/"' not in page
    elif MAY[caller] == GROUP:
        assert "1 packet of 1 name" in page
    else:
        assert "2 packets of 2 names" in page


@pytest.mark.parametrize("caller", ["group_reader", "reader"])
def test_dependencies_show_only_packets_the_visitor_may_read(shown, visit, caller):
    page = visit(caller)(f"/packets/data/{shown.data}/").content.decode()
    link = f'href="/packets/secret/{shown.secret}/"'
    assert (link in page) is (MAY[caller] == ALL)
