"""Shared fixtures: a cast of users, live servers on a fresh store, and no internet probes."""

import base64
import collections

import pytest

from tests.support import databases
from tests.support.server import start_server

PASSWORD = "correct horse battery"

# Fixtures that give a test the database of the run (pytest-django's, and ours built on them).
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
    "live_server_module",
    "django_user_model",
    "admin_user",
    "admin_client",
    "cast",
}


def pytest_collection_modifyitems(config, items):
    """One suite, two passes (scripts/test): tests marked `nodb` need no database, so they run
    in the SQLite pass only; tests marked `postgres` run in the PostgreSQL pass only, and those
    marked `sqlite` (about SQLite itself) in the SQLite pass only. The others
    are deselected (reported as "deselected", never as skipped). A `nodb` test that asks for
    the database is a mistake in the marker, so it is refused.
    """
    wrong = [
        item.nodeid
        for item in items
        if item.get_closest_marker("nodb")
        and not item.get_closest_marker("postgres")
        and (
            item.get_closest_marker("django_db")
            or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
    ]
    if wrong:
        raise pytest.UsageError("marked nodb but uses the database: " + ", ".join(wrong))
    # pytest-xdist schedules tests by node id. On pytest 9, schemathesis gives the tests it makes
    # for each API operation the id of their function, so xdist would run only one of them: such
    # tests get their own names (`test_x[GET /records/]`) back as ids.
    ids = collections.Counter(item.nodeid for item in items)
    for item in items:
        if ids[item.nodeid] > 1 and hasattr(item, "_id"):
            item._id = item.parent.id.child(item.name)
    postgres = databases.test_database() == "postgres"

    def elsewhere(item) -> bool:
        if item.get_closest_marker("postgres"):  # also inside a module marked nodb
            return not postgres
        if item.get_closest_marker("sqlite"):
            return postgres
        return postgres and item.get_closest_marker("nodb") is not None

    deselected = [item for item in items if elsewhere(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not elsewhere(item)]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture of the test is set up, module-scoped ones included (see start_server).
    databases.running_a_nodb_test = bool(
        item.get_closest_marker("nodb") and not item.get_closest_marker("postgres")
    )


@pytest.fixture(autouse=True, scope="session")
def dropped_databases():
    """Databases made for live servers and stores are dropped in the background; wait at the end."""
    yield
    databases.finish_drops()


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
        from reprostore.records.operations import do_grant

        User = get_user_model()
        self.owner = User.objects.create_user("alice", password=PASSWORD)
        self.writer = User.objects.create_user("carol", password=PASSWORD)
        self.reader = User.objects.create_user("bob", password=PASSWORD)
        self.stranger = User.objects.create_user("mallory", password=PASSWORD)
        self.admin = User.objects.create_superuser("root", password=PASSWORD)
        self.project = Project.objects.create(name="Private", created_by=self.owner)
        self.public = Project.objects.create(name="Public", public=True, created_by=self.owner)
        for project in (self.project, self.public):
            do_grant(None, project, self.owner, Level.ADMIN)
            do_grant(None, project, self.writer, Level.WRITE)
            do_grant(None, project, self.reader, Level.READ)


@pytest.fixture
def cast(db):
    return Cast()


@pytest.fixture(scope="module")
def live_server_module(tmp_path_factory):
    """A real `reprostore serve` (gunicorn, 2 workers) on a fresh store, per test module."""
    server, cleanup = start_server(tmp_path_factory.mktemp("store") / "root")
    yield server
    cleanup()
