"""Reading Sumatra records for listings, newest first, without loading a whole project."""

from urllib.parse import quote

from django.db.models import Exists, F, Max, OuterRef

from reprostore.records.documents import db_text
from reprostore.records.models import Project, Record, RecordTag

# Characters a label or project id may keep literally in a URL path (the client sends colons,
# dots and dashes as they are).
PATH_SAFE = ":@!$&'()*+,;="


def path_part(name: str) -> str:
    return quote(name, safe=PATH_SAFE)


def parse_tags(value: str | None) -> list[str]:
    """The client joins tags with ',' and does not encode them; empty items mean nothing."""
    return [tag for tag in (value or "").split(",") if tag]


def newest_records(records):
    return records.order_by("-timestamp", "-id")


def records_of(project: Project, tags: list[str] | None = None):
    """The project's records carrying any of `tags` (whole tags; all records when none)."""
    records = Record.objects.filter(project=project)
    if tags:
        names = [db_text(tag) for tag in tags]  # as they are stored
        records = records.filter(
            Exists(RecordTag.objects.filter(record=OuterRef("pk"), name__in=names))
        )
    return newest_records(records)


def projects_with_last_update(projects):
    return projects.annotate(last_updated=Max("records__timestamp")).order_by(
        F("last_updated").desc(nulls_last=True), "name"
    )
