"""What every Django site offers works here too: createsuperuser, the admin, the database setup."""

import io
import sqlite3

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import StreamingHttpResponse

from reprostore.lib.database import database_config
from tests.conftest import basic_auth
from tests.records.helpers import put
from tests.support.records import record_body
from tests.support.server import reprostore


@pytest.mark.django_db
def test_createsuperuser_and_the_admin(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "admin password 123")
    call_command(
        "createsuperuser",
        "--noinput",
        "--username",
        "boss",
        "--email",
        "b@x.org",
        stdout=io.StringIO(),
    )
    assert get_user_model().objects.get(username="boss").is_superuser
    assert client.login(username="boss", password="admin password 123")
    assert client.get("/admin/").status_code == 200


@pytest.mark.nodb
def test_sqlite_is_set_up_for_concurrent_writers(tmp_path):
    config = database_config(f"sqlite:///{tmp_path}/db.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] >= 30
    root = tmp_path / "store"
    reprostore("init", str(root), root=root, database_url=None)
    with sqlite3.connect(root / ".reprostore" / "db.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.nodb
def test_postgres_urls_reuse_connections():
    config = database_config("postgres://user:pw@db.example:5433/records")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", 5433, "records")
    assert config["CONN_MAX_AGE"] > 0 and config["CONN_HEALTH_CHECKS"]


@pytest.mark.nodb
def test_an_unknown_database_url_is_refused():
    with pytest.raises(ValueError, match="Unsupported database URL 'mysql://x'"):
        database_config("mysql://x")


@pytest.mark.django_db
def test_a_project_listing_is_streamed(client, cast):
    for i in range(5):
        put(client, f"/records/Private/r{i}/", record_body(f"r{i}"), cast.writer)
    response = client.get("/records/Private/", HTTP_ACCEPT="application/json", **basic_auth("bob"))
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content).count(b"/records/Private/r") == 5


@pytest.mark.django_db
def test_health_reports_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
