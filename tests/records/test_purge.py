"""Superusers purge a secret sent by mistake: a record with every revision of it, or one
revision's document, from the command line or the admin, leaving an audit entry of who purged
what and when (issue 11, item 8)."""

import sqlite3
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reprostore.records.models import Purge, Record, RecordParameter, Revision
from reprostore.records.operations import do_save_record
from tests.support.records import record_body
from tests.support.server import reprostore

SECRET = "hunter2-do-not-keep"
WITH_SECRET = {"type": "SimpleParameterSet", "content": f'password = "{SECRET}"\na = 2'}
CORRECTED = {"type": "SimpleParameterSet", "content": "a = 2"}


@pytest.fixture
def leaked(cast):
    """A run recorded with a password in its parameters, then corrected by a later PUT."""
    do_save_record(
        cast.writer, cast.project, "run", record_body("run", parameters=WITH_SECRET, tags=[])
    )
    do_save_record(
        cast.writer, cast.project, "run", record_body("run", parameters=CORRECTED, tags=[])
    )
    return Revision.objects.filter(label="run").order_by("id")


def stored_anywhere(text: str) -> bool:
    return (
        Record.objects.filter(body__contains=text).exists()
        or Revision.objects.filter(body__contains=text).exists()
        or RecordParameter.objects.filter(text__contains=text).exists()
    )


def purge(*args) -> str:
    out = StringIO()
    call_command("purge", *args, stdout=out)
    return out.getvalue()


def test_purging_a_record_removes_it_and_every_document_of_it(cast, leaked):
    assert stored_anywhere(SECRET)
    output = purge("record", "Private", "run", "--by", "root", "--reason", "password in params")
    assert "Purged 3 document(s)" in output
    assert not stored_anywhere(SECRET)
    assert not Record.objects.filter(label="run").exists()
    assert [revision.body for revision in leaked] == ["", ""]
    entry = Purge.objects.get()
    assert (entry.what, entry.project, entry.label, entry.revision) == (
        "record",
        "Private",
        "run",
        None,
    )
    assert (entry.user, entry.purged_by, entry.reason) == (cast.admin, "root", "password in params")
    assert entry.created is not None


def test_purging_an_earlier_revision_keeps_the_record(client, cast, leaked):
    first, current = leaked
    purge("revision", str(first.pk), "--by", "root")
    assert not stored_anywhere(SECRET)
    first.refresh_from_db()
    assert first.body == ""
    assert Record.objects.get(label="run").body == current.body
    entry = Purge.objects.get()
    assert (entry.what, entry.revision, entry.documents) == ("revision", first.pk, 1)
    client.force_login(cast.reader)
    assert client.get("/records/Private/run/", HTTP_ACCEPT="text/html").status_code == 200


def test_the_current_document_is_purged_with_the_record_only(cast, leaked):
    current = leaked.last()
    with pytest.raises(CommandError, match="is the current document of record 'run'"):
        purge("revision", str(current.pk))
    current.refresh_from_db()
    assert current.body and not Purge.objects.exists()


def test_without_by_the_operating_system_user_is_the_purger(cast, leaked):
    purge("record", "Private", "run")
    assert Purge.objects.get().purged_by.startswith("command line (operating system user ")


@pytest.mark.parametrize(
    "args, message",
    [
        (["record", "Private", "run", "--by", "alice"], "Only superusers may purge"),
        (["record", "Private", "run", "--by", "nobody"], "No such user 'nobody'"),
        (["record", "Private", "nothing"], "Nothing is stored under 'nothing'"),
        (["record", "Nope", "run"], "Project 'Nope' does not exist"),
        (["revision", "999999"], "Revision 999999 does not exist"),
    ],
)
def test_refusals_change_nothing(cast, leaked, args, message):
    with pytest.raises(CommandError, match=message):
        purge(*args)
    assert stored_anywhere(SECRET) and not Purge.objects.exists()


def test_superusers_purge_from_the_admin(client, cast, leaked):
    first, _ = leaked
    client.force_login(cast.admin)
    response = client.post(
        "/admin/records/revision/",
        {"action": "purge_revisions", "_selected_action": [str(first.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert not stored_anywhere(SECRET)
    assert Purge.objects.get().purged_by == "root"
    record = Record.objects.get(label="run")
    client.post(
        "/admin/records/record/", {"action": "purge_records", "_selected_action": [str(record.pk)]}
    )
    assert not Record.objects.filter(label="run").exists()
    assert Purge.objects.count() == 2
    assert client.get("/admin/records/purge/").status_code == 200


def test_staff_who_are_not_superusers_can_not_purge(client, cast, leaked):
    from django.contrib.auth.models import Permission

    cast.owner.is_staff = True
    cast.owner.save()
    cast.owner.user_permissions.add(*Permission.objects.filter(codename__in=["view_revision"]))
    client.force_login(cast.owner)
    page = client.get("/admin/records/revision/")
    assert page.status_code == 200 and "purge_revisions" not in page.content.decode()
    client.post(
        "/admin/records/revision/",
        {"action": "purge_revisions", "_selected_action": [str(leaked.first().pk)]},
    )
    assert stored_anywhere(SECRET) and not Purge.objects.exists()


@pytest.mark.sqlite  # SQLite's own files
def test_on_sqlite_the_purged_bytes_leave_the_database_files(tmp_path):
    root = tmp_path / "root"
    reprostore("init", root=root, database_url=None)
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from reprostore.records.models import Project\n"
        "from reprostore.records.operations import do_save_record\n"
        "user = get_user_model().objects.create_superuser('root', password='x')\n"
        "project = Project.objects.create(name='p')\n"
        f"do_save_record(user, project, 'run', {record_body('run', parameters=WITH_SECRET)!r})\n"
    )
    reprostore("shell", "-c", script, root=root, database_url=None)
    database = root / ".reprostore" / "db.sqlite3"
    assert SECRET.encode() in database.read_bytes()
    reprostore("purge", "record", "p", "run", "--by", "root", root=root, database_url=None)
    for path in database.parent.glob("db.sqlite3*"):
        assert SECRET.encode() not in path.read_bytes(), path.name
    with sqlite3.connect(database) as check:
        rows = check.execute("SELECT what, project, label FROM records_purge").fetchall()
    assert rows == [("record", "p", "run")]
