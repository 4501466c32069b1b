"""Purging stored content: for a secret sent by mistake (a password in a record's parameters).

Every accepted PUT keeps the document as a Revision, and a finished record's provenance can't
be changed through the API, so nothing else can remove such a value. A superuser (from the
admin, or anyone with the command line) may purge

- a record: the record is deleted, and every revision stored under its label is emptied;
- one revision: its document is emptied, unless it is the record's current document (then the
  record must be purged, or a corrected document PUT first).

Each purge leaves a `Purge` entry: who, what, when and why. On SQLite the freed pages are
overwritten (`secure_delete`) and the write-ahead log is emptied into the database; PostgreSQL
keeps old row versions in its files until `VACUUM FULL` (docs/security.md).
"""

import contextlib

from django.db import connection, transaction

from reprostore.lib.http import Conflict, Forbidden, NotFound
from reprostore.records.models import Project, Purge, Record, Revision


def check_purger(user) -> None:
    if user is not None and not (user.is_active and user.is_superuser):
        raise Forbidden(f"Only superusers may purge; '{user.get_username()}' is not one")


def do_purge_record(user, purged_by: str, project: str, label: str, reason: str = "") -> Purge:
    """Delete record `label` of `project` and empty every revision kept under that label."""
    check_purger(user)
    with overwriting_freed_pages(), transaction.atomic():
        found = Project.objects.filter(name=project).first()
        if found is None:
            raise NotFound(f"Project '{project}' does not exist")
        record = Record.objects.select_for_update().filter(project=found, label=label).first()
        kept = Revision.objects.filter(project=found, label=label).exclude(body="")
        if record is None and not kept.exists():
            raise NotFound(f"Nothing is stored under '{label}' in project '{project}'")
        documents = kept.update(body="") + (record is not None)
        if record is not None:
            record.delete()
        return Purge.objects.create(
            what=Purge.What.RECORD,
            project=project,
            label=label,
            documents=documents,
            user=user,
            purged_by=purged_by,
            reason=reason,
        )


def do_purge_revision(user, purged_by: str, revision_id: int, reason: str = "") -> Purge:
    """Empty the document of one revision."""
    check_purger(user)
    with overwriting_freed_pages(), transaction.atomic():
        revision = (
            Revision.objects.select_for_update(of=("self",))
            .select_related("project", "record")
            .filter(pk=revision_id)
            .first()
        )
        if revision is None:
            raise NotFound(f"Revision {revision_id} does not exist")
        where = f"record '{revision.label}' in project '{revision.project.name}'"
        if not revision.body:
            raise Conflict(f"Revision {revision_id} of {where} holds no document")
        if revision.record is not None and revision.record.body == revision.body:
            raise Conflict(
                f"Revision {revision_id} is the current document of {where}: purge the record, "
                "or PUT a corrected document first and then purge this revision"
            )
        revision.body = ""
        revision.save(update_fields=["body"])
        return Purge.objects.create(
            what=Purge.What.REVISION,
            project=revision.project.name,
            label=revision.label,
            revision=revision.pk,
            documents=1,
            user=user,
            purged_by=purged_by,
            reason=reason,
        )


@contextlib.contextmanager
def overwriting_freed_pages():
    """On SQLite: zero the bytes a purge frees, and afterwards move the write-ahead log into the
    database file (while a reader holds an old snapshot the log can't be emptied yet; it is at
    the next checkpoint)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        (before,) = cursor.fetchone()
        cursor.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA secure_delete = {int(before)}")
            if not connection.in_atomic_block:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
