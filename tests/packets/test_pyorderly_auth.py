"""pyorderly's `http` location against a default live server (no anonymous access): HTTP Basic
from the URL, for a user with a packet grant."""

import pytest
import requests
from pyorderly.outpack.init import outpack_init
from pyorderly.outpack.location import outpack_location_add
from pyorderly.outpack.location_pull import outpack_location_pull_metadata
from pyorderly.outpack.location_push import outpack_location_push
from pyorderly.run import orderly_run

from tests.conftest import PASSWORD
from tests.support.server import run_commands, start_server

from .test_pyorderly import make_orderly_root


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server, cleanup = start_server(tmp_path_factory.mktemp("private") / "root")
    run_commands(  # as `reprostore adduser` and `reprostore grant` would, in one process
        server,
        (["adduser", "pusher", "--password-stdin"], PASSWORD + "\n"),
        (["grant", "pusher", "--packets", "write"], None),
    )
    yield server
    cleanup()


def location_url(server, user=None):
    host = server.url.removeprefix("http://")
    userinfo = f"{user}:{PASSWORD.replace(' ', '%20')}@" if user else ""
    return f"http://{userinfo}{host}/outpack/"


def test_anonymous_pyorderly_is_told_to_sign_in(server, tmp_path):
    root = tmp_path / "anon"
    outpack_init(root)
    outpack_location_add("server", "http", {"url": location_url(server)}, root=root)
    with pytest.raises(requests.HTTPError, match="401 Error: You must sign in to read") as e:
        outpack_location_pull_metadata(root=root)
    assert "http://USER:PASSWORD@host/outpack/" in str(e.value)
    assert "`packit` location" in str(e.value)


def test_a_user_in_the_url_may_push_and_pull(server, tmp_path):
    source = make_orderly_root(tmp_path / "src", use_file_store=True, path_archive=None)
    packet_id = orderly_run("data", root=source)
    outpack_location_add("server", "http", {"url": location_url(server, "pusher")}, root=source)
    outpack_location_push(packet_id, "server", root=source)
    assert (server.root / ".outpack" / "location" / "local" / packet_id).exists()
    copy = tmp_path / "copy"
    outpack_init(copy)
    outpack_location_add("server", "http", {"url": location_url(server, "pusher")}, root=copy)
    outpack_location_pull_metadata(root=copy)
    assert (copy / ".outpack" / "metadata" / packet_id).exists()
