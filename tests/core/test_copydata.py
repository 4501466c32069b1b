"""Moving a store's database (records, revisions, packets, users, grants) to PostgreSQL."""

import json

import psycopg
import pytest

from tests.support import databases
from tests.support.records import record_body
from tests.support.server import reprostore

FILL = """
import json
from django.contrib.auth.models import Permission, User
from django.test import Client
from reprostore.accounts.models import ApiToken
from reprostore.packets.models import Packet, PacketFile, PacketParameter
from reprostore.records.models import Level, Project
from reprostore.records.operations import do_grant
owner = User.objects.create_user("ann", password="copy pass word")
reader = User.objects.create_user("ben", password="other pass word")
reader.user_permissions.add(Permission.objects.get(codename="add_packet"))
ApiToken.issue(owner, "ci")
from reprostore.accounts.access import Level as PacketLevel
from reprostore.packets.grants import do_grant_packets
do_grant_packets(None, owner, PacketLevel.ADMIN)
do_grant_packets(None, None, PacketLevel.READ, "data")
project = Project.objects.create(name="Sim")
do_grant(None, project, owner, Level.ADMIN)
do_grant(None, project, reader, Level.READ)
client = Client(HTTP_HOST="127.0.0.1")
client.login(username="ann", password="copy pass word")
BODIES = json.loads(open("bodies.json").read())
for label, body in BODIES:
    r = client.put(f"/records/Sim/{label}/", body.encode(), content_type="application/json")
    assert r.status_code in (200, 201), r.content
packet = Packet.objects.create(
    id="20240101-000000-0000abcd", name="data", hash="sha256:" + "0" * 64,
    time_start=1.0, time_end=2.0, parameters={"a": 1},
)
PacketFile.objects.create(packet=packet, path="out.csv", hash="sha256:" + "1" * 64, size=3)
PacketParameter.objects.create(packet=packet, name="a", kind="number", number=1.0)
"""

TABLES = {
    "auth_user": 2,
    "auth_user_user_permissions": 1,
    "accounts_apitoken": 1,
    "packets_packetgrant": 2,
    "records_project": 1,
    "records_projectpermission": 2,
    "records_record": 2,
    "records_revision": 4,
    "records_recordtag": 4,
    "packets_packet": 1,
    "packets_packetfile": 1,
    "packets_packetparameter": 1,
}


@pytest.fixture
def source_url():
    if databases.test_database() != "postgres":
        yield None  # the store's own SQLite database
        return
    url = databases.create_postgres_database()
    yield url
    databases.drop_postgres_database_later(url)


@pytest.fixture
def target_url():
    url = databases.create_postgres_database()
    yield url
    databases.drop_postgres_database_later(url)


def test_copydata_copies_everything_and_checks_counts(
    tmp_path, monkeypatch, source_url, target_url
):
    root = tmp_path / "store"
    reprostore("init", str(root), root=root, database_url=source_url)
    bodies = [
        (label, record_body(label, tags=[tag, "keep"]).decode())
        for label in ("r1", "r2")
        for tag in ("_running_", "_finished_")
    ]
    (tmp_path / "bodies.json").write_text(json.dumps(bodies))
    monkeypatch.chdir(tmp_path)
    reprostore("shell", "-c", FILL, root=root, database_url=source_url)

    result = reprostore("copydata", "--to", target_url, root=root, database_url=source_url)
    assert "the counts of every table match" in result.stdout

    with psycopg.connect(target_url.replace("postgres://", "postgresql://")) as connection:
        for table, count in TABLES.items():
            assert connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count, table
        body = connection.execute("SELECT body FROM records_record WHERE label = 'r1'").fetchone()[
            0
        ]
        assert json.loads(body)["tags"] == ["_finished_", "keep"]

    # The copy serves: users log in with their old passwords, and new rows get fresh ids.
    check = (
        "from django.contrib.auth.models import User\n"
        "from reprostore.records.models import Revision\n"
        "assert User.objects.get(username='ann').check_password('copy pass word')\n"
        "assert User.objects.get(username='ben').has_perm('packets.add_packet')\n"
        "r = Revision.objects.create(project_id=1, label='x', action='create')\n"
        "assert r.pk > 4, r.pk\n"
    )
    reprostore("shell", "-c", check, root=root, database_url=target_url)

    again = reprostore(
        "copydata", "--to", target_url, root=root, database_url=source_url, check=False
    )
    assert again.returncode == 1 and "already holds" in again.stderr
