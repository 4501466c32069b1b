"""Every change to Sumatra projects and records happens here, each in one transaction."""

import json

from django.db import IntegrityError, transaction
from django.utils import timezone

from reprostore.accounts import access
from reprostore.accounts.access import Level
from reprostore.lib.http import BadRequest, Conflict, NotFound
from reprostore.lib.parameters import typed_value
from reprostore.lib.rows import db_datetime, first_instance, insert_instance, insert_many
from reprostore.records import documents
from reprostore.records.lineage import data_insert
from reprostore.records.models import (
    Project,
    ProjectPermission,
    Record,
    RecordData,
    RecordParameter,
    RecordTag,
    Revision,
)

RESERVED_LABELS = {"last", "permissions"}


# Characters that change the direction of the text around them (embeddings, overrides, isolates
# and the marks): a name holding one can display as another name ("txt.exe" shown as "exe.txt").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def check_name(kind: str, name: str) -> str:
    """`name` if it may be a new project id or label (both are path segments of URLs), else 400.

    Names stored before a rule was added stay readable: only creating one is refused.
    """
    if problem := name_problem(name):
        raise BadRequest(f"Invalid {kind} '{shown(name)}': {problem}")
    return name


def name_problem(name: str) -> str | None:
    if not name:
        return "it is empty"
    if name != name.strip():
        return "it starts or ends with white space"
    if name in (".", ".."):
        return "browsers and HTTP clients remove '.' and '..' from URLs, so it could not be reached"
    if "/" in name:
        return "it holds '/'"
    for char in name:
        if ord(char) < 32 or 0x7F <= ord(char) <= 0x9F:
            return f"it holds the control character U+{ord(char):04X}"
        if char in BIDI_CONTROLS:
            return (
                f"it holds U+{ord(char):04X}, which changes the direction of the text around "
                "it, so the name could be shown as another"
            )
    return None


def shown(name: str) -> str:
    """`name` for a message, its invisible characters written as escapes."""
    return "".join(
        char if char.isprintable() and char not in BIDI_CONTROLS else f"\\u{ord(char):04x}"
        for char in name
    )


def project_info(body: bytes) -> dict:
    info = documents.parse_json(body or b"{}", "project description")
    if not isinstance(info, dict):
        raise BadRequest("A project description must be a JSON object")
    for key in ("name", "description"):
        if not isinstance(info.get(key, ""), str):
            raise BadRequest(f"The project's '{key}' must be a string")
        if "\x00" in info.get(key, ""):
            raise BadRequest(f"The project's '{key}' holds a NUL character (\\u0000)")
    return info


def do_put_project(user, name: str, info: dict) -> tuple[Project, bool]:
    """Create the project (the caller becomes its admin) or update its name and description."""
    check_name("project id", name)
    with transaction.atomic():
        project = Project.objects.select_for_update().filter(name=name).first()
        if project is not None:
            access.require_project(user, name, project, Level.WRITE)
            project.long_name = info.get("name", project.long_name)
            project.description = info.get("description", project.description)
            project.save(update_fields=["long_name", "description"])
            return project, False
        access.may_create_project(user)
        try:
            with transaction.atomic():
                project = Project.objects.create(
                    name=name,
                    long_name=info.get("name", ""),
                    description=info.get("description", ""),
                    created_by=user,
                )
        except IntegrityError:  # created by a concurrent request a moment ago
            return do_put_project(user, name, info)
        _set_grant(project, user, Level.ADMIN)
        return project, True


def do_save_record(user, project: Project, label: str, body: bytes) -> bool:
    """Store a record document; True when it was created. Re-PUTs replace the document until the
    record carries a final status tag; after that only reason, outcome, tags and data locations
    change. Every accepted PUT is kept as a Revision."""
    check_name("label", label)
    if label in RESERVED_LABELS:
        raise BadRequest(f"The label '{label}' is reserved by the API; choose another")
    try:
        sent = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"The record is not UTF-8: {error}") from error
    document = documents.check_record(documents.parse_json(sent, "record"), label)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _save_record(user, project, label, document, sent)
        except IntegrityError:
            # Two first PUTs of one label raced on PostgreSQL, or the record was deleted while
            # this one found it: try again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _save_record(user, project, label, document, sent: str) -> bool:
    # A first PUT inserts the record in one statement; one that finds it there updates it.
    columns = documents.columns(document)
    record = Record(project=project, label=label, body=sent, **columns)
    if insert_instance(record, unless_exists=("project", "label")):
        action = Revision.Action.CREATE
    else:
        record = first_instance(Record, for_update=True, project=project.pk, label=label)
        if record is None:  # deleted by another request since: `do_save_record` starts again
            raise IntegrityError(f"Record '{label}' was deleted while it was being saved")
        if record.final:
            action = Revision.Action.FROZEN_UPDATE
            document = documents.freeze(documents.load_stored(record.body), document)
            stored, columns = json.dumps(document), documents.columns(document)
        else:
            action, stored = Revision.Action.UPDATE, sent
        for field, value in columns.items():
            setattr(record, field, value)
        record.body = stored
        record.save()
    # A record just created has no rows to replace: not deleting them saves a statement each.
    if action != Revision.Action.CREATE:
        for model in (RecordTag, RecordParameter, RecordData):
            model.objects.filter(record=record).delete()
    user_id = user.pk if user.is_authenticated else None
    revision = (project.pk, record.pk, label, action.value, user_id, db_datetime(timezone.now()))
    # Plain rows in one go (lib/rows.py): with `bulk_create` and `create` they were a third of
    # a record PUT's time in the database layer.
    insert_many(
        tag_insert(record, document["tags"]),
        parameter_insert(record, document["parameters"]),
        data_insert(record, document),
        (Revision, REVISION_COLUMNS, [revision + (sent,)]),
    )
    return action == Revision.Action.CREATE


PARAMETER_COLUMNS = ("record", "name", "kind", "text", "number", "boolean")
REVISION_COLUMNS = ("project", "record", "label", "action", "user", "created", "body")


def replace_tags(record: Record, tags: list[str]) -> None:
    RecordTag.objects.filter(record=record).delete()
    insert_many(tag_insert(record, tags))


def tag_insert(record: Record, tags: list[str]):
    """The rows of `record`'s tags, for `lib.rows.insert_many`."""
    return (
        RecordTag,
        ("record", "name"),
        [(record.pk, documents.db_text(tag)) for tag in sorted(set(tags))],
    )


def parameter_insert(record: Record, parameters: dict):
    """The rows of `record`'s parameters (typed, lib/parameters.py), for `insert_many`."""
    rows = []
    for name, value in documents.parameter_values(parameters).items():
        typed = typed_value(value)
        rows.append(
            (record.pk, documents.db_text(name), typed["kind"].value, typed["text"])
            + (typed["number"], typed["boolean"])
        )
    return RecordParameter, PARAMETER_COLUMNS, rows


def do_delete_record(user, project: Project, label: str) -> None:
    with transaction.atomic():
        record = Record.objects.select_for_update().filter(project=project, label=label).first()
        if record is None:
            raise NotFound(f"Record '{label}' does not exist in project '{project.name}'")
        _delete(user, [record])


def do_delete_tagged(user, project: Project, tag: str) -> int:
    """Delete every record of `project` carrying exactly `tag`; the number deleted."""
    with transaction.atomic():
        records = list(
            Record.objects.select_for_update().filter(
                project=project, tag_rows__name=documents.db_text(tag)
            )
        )
        _delete(user, records)
        return len(records)


# Corrections on the pages, as Sumatra's smtweb allows them: a record's reason, outcome and tags
# (and tags of several records at once). Nothing else of the document changes, so a finished
# record's provenance stays frozen; status tags belong to `smt run` and stay as they are, so a
# record never becomes finished, or stops being so, here. Each change is kept as a Revision.

MAX_RECORDS_TAGGED = 500


def do_edit_record(
    user, project: Project, label: str, *, reason: str, outcome: str, tags: list[str], seen=None
) -> list[str]:
    """Set the record's reason, outcome and tags (its status tags are kept); the fields that
    changed, none when nothing did (then nothing is written).

    `seen` is the id of the newest revision the editor was shown: when the record has changed
    since, Conflict, rather than silently undoing that change.
    """
    check_plain_tags(tags)
    with transaction.atomic():
        record = _locked_record(project, label)
        if seen is not None and newest_revision_id(record) != seen:
            raise Conflict(
                f"Record '{label}' changed while you were editing it; "
                "reload the page to see the change, then make yours again"
            )
        document = documents.load_stored(record.body)
        stored_tags = document.get("tags") or []
        wanted = unique(tags)
        new_tags = [tag for tag in stored_tags if tag in documents.FINAL_TAGS or tag in wanted]
        new_tags += [tag for tag in wanted if tag not in new_tags]
        changes = {"reason": reason, "outcome": outcome, "tags": new_tags}
        before = {"reason": document.get("reason") or "", "outcome": document.get("outcome") or ""}
        before["tags"] = stored_tags
        changed = [key for key, value in changes.items() if before[key] != value]
        if changed:
            document.update({key: changes[key] for key in changed})
            _write_correction(user, record, document, Revision.Action.EDIT)
        return changed


def do_tag_records(
    user, project: Project, labels: list[str], *, add: list[str], remove: list[str]
) -> int:
    """Add tags to and remove tags from each of the records `labels`; how many changed."""
    add, remove, labels = unique(add), unique(remove), unique(labels)
    check_plain_tags(add + remove)
    if both := [tag for tag in add if tag in remove]:
        raise BadRequest(f"The tag '{both[0]}' is both to add and to remove; choose one")
    if len(labels) > MAX_RECORDS_TAGGED:
        raise BadRequest(f"Tag at most {MAX_RECORDS_TAGGED} records at once, not {len(labels)}")
    with transaction.atomic():
        records = list(
            Record.objects.select_for_update()
            .filter(project=project, label__in=labels)
            .order_by("id")
        )
        missing = sorted(set(labels) - {record.label for record in records})
        if missing:
            raise NotFound(f"Record '{missing[0]}' does not exist in project '{project.name}'")
        changed = 0
        for record in records:
            document = documents.load_stored(record.body)
            stored_tags = document.get("tags") or []
            new_tags = [tag for tag in stored_tags if tag not in remove]
            new_tags += [tag for tag in add if tag not in new_tags]
            if new_tags != stored_tags:
                document["tags"] = new_tags
                _write_correction(user, record, document, Revision.Action.TAG)
                changed += 1
        return changed


def check_plain_tags(tags: list[str]) -> None:
    for tag in tags:
        if not tag:
            raise BadRequest("A tag can't be empty")
        if tag in documents.FINAL_TAGS:
            raise BadRequest(
                f"'{tag}' is a status tag: `smt run` sets it when a run ends, and it can't be "
                "added or removed here"
            )


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _locked_record(project: Project, label: str) -> Record:
    record = Record.objects.select_for_update().filter(project=project, label=label).first()
    if record is None:
        raise NotFound(f"Record '{label}' does not exist in project '{project.name}'")
    return record


def newest_revision_id(record: Record) -> int | None:
    """The newest revision of the record's label: what an editor saw, to notice a later change."""
    return (
        Revision.objects.filter(project_id=record.project_id, label=record.label)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )


def _write_correction(user, record: Record, document: dict, action: str) -> None:
    """Store an edited document as the record's body (so the API returns the edit), its
    columns and tags, and keep it as a revision."""
    documents.check_record(document, record.label)
    body = json.dumps(document)
    for field, value in documents.columns(document).items():
        setattr(record, field, value)
    record.body = body
    record.save()
    replace_tags(record, document["tags"])
    Revision.objects.create(
        project_id=record.project_id,
        record=record,
        label=record.label,
        action=action,
        user=_user_or_none(user),
        body=body,
    )


def _delete(user, records: list[Record]) -> None:
    Revision.objects.bulk_create(
        Revision(
            project_id=record.project_id,
            label=record.label,
            action=Revision.Action.DELETE,
            user=_user_or_none(user),
        )
        for record in records
    )
    Record.objects.filter(pk__in=[record.pk for record in records]).delete()


def _user_or_none(user):
    return user if user.is_authenticated else None


# Grants. Every change of who may do what with a project comes through these functions, from
# the API, the permissions page, `reprostore grant` and the demo loader alike; `actor` is the
# user making the change (None for the command line), and the rules are the access policy's.


def do_grant(actor, project: Project, user, level: Level) -> ProjectPermission:
    with transaction.atomic():
        if access.grant_change_needs_check(level):
            access.check_grant_change(actor, project, user)
        return _set_grant(project, user, level)


def _set_grant(project: Project, user, level: Level) -> ProjectPermission:
    permission, _ = ProjectPermission.objects.update_or_create(
        project=project, user=user, defaults={"level": level}
    )
    return permission


def do_revoke(actor, project: Project, username: str) -> bool:
    """Remove a user's grant; False when they had none."""
    with transaction.atomic():
        permission = (
            ProjectPermission.objects.select_related("user")
            .filter(project=project, user__username=username)
            .first()
        )
        if permission is None:
            return False
        access.check_grant_change(actor, project, permission.user)
        permission.delete()
        return True


def do_set_public(project: Project, public: bool) -> None:
    """Let anyone read the project (True), or only those with a grant."""
    project.public = public
    project.save(update_fields=["public"])


def grants_of(project: Project) -> list[dict]:
    return [
        {"user": username, "level": level}
        for username, level in ProjectPermission.objects.filter(project=project)
        .order_by("user__username")
        .values_list("user__username", "level")
    ]
