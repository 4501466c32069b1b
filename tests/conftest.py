"""Shared fixtures: a cast of users, live servers on a fresh store, and no internet probes."""

import base64

import pytest

from tests.support.server import start_server

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True, scope="session")
def no_internet_probe():
    # `smt run` probes a public address; nothing may leave this machine (see
    # tests/support/sitecustomize for the subprocesses).
    try:
        import sumatra.core
        import sumatra.launch
    except ImportError:
        yield
        return
    saved = sumatra.core.have_internet_connection
    sumatra.core.have_internet_connection = sumatra.launch.have_internet_connection = lambda: False
    yield
    sumatra.core.have_internet_connection = sumatra.launch.have_internet_connection = saved


def basic_auth(username: str, password: str = PASSWORD) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


class Cast:
    """The people every permission test needs, made with plain ORM calls."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        from reprostore.records.models import Level, Project
        from reprostore.records.permissions import grant

        User = get_user_model()
        self.owner = User.objects.create_user("alice", password=PASSWORD)
        self.writer = User.objects.create_user("carol", password=PASSWORD)
        self.reader = User.objects.create_user("bob", password=PASSWORD)
        self.stranger = User.objects.create_user("mallory", password=PASSWORD)
        self.admin = User.objects.create_superuser("root", password=PASSWORD)
        self.project = Project.objects.create(name="Private", created_by=self.owner)
        self.public = Project.objects.create(name="Public", public=True, created_by=self.owner)
        for project in (self.project, self.public):
            grant(project, self.owner, Level.ADMIN)
            grant(project, self.writer, Level.WRITE)
            grant(project, self.reader, Level.READ)


@pytest.fixture
def cast(db):
    return Cast()


@pytest.fixture(scope="module")
def live_server_module(tmp_path_factory):
    """A real `reprostore serve` (gunicorn, 2 workers) on a fresh store, per test module."""
    server, cleanup = start_server(tmp_path_factory.mktemp("store") / "root")
    yield server
    cleanup()
