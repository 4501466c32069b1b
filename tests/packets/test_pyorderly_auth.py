"""pyorderly against a live server that admits no anonymous access: HTTP Basic from the URL."""

import pytest
import requests
from pyorderly.outpack.init import outpack_init
from pyorderly.outpack.location import outpack_location_add
from pyorderly.outpack.location_pull import outpack_location_pull_metadata
from pyorderly.outpack.location_push import outpack_location_push
from pyorderly.run import orderly_run

from tests.conftest import PASSWORD
from tests.support.server import start_server

from .test_pyorderly import make_orderly_root


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPROSTORE_OUTPACK_ANONYMOUS", "none")
        server, cleanup = start_server(tmp_path_factory.mktemp("private") / "root")
    server.command("adduser", "pusher", "--superuser", "--password-stdin", input=PASSWORD + "\n")
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
    with pytest.raises(requests.HTTPError, match="401 Error: You must sign in to read"):
        outpack_location_pull_metadata(root=root)


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
