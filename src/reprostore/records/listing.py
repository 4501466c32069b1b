"""Reading Sumatra records for listings, newest first, without loading a whole project."""

import json
import re
from itertools import islice
from urllib.parse import quote

from django.db.models import Exists, F, Max, OuterRef

from reprostore.records.documents import db_text
from reprostore.records.models import Project, Record, RecordTag

# Characters a label or project id may keep literally in a URL path (the client sends colons,
# dots and dashes as they are).
PATH_SAFE = ":@!$&'()*+,;="
# A name made of these alone is its own path part: `quote` keeps ASCII letters, digits, "_.-~"
# and PATH_SAFE as they are. Labels are mostly such names (dates and digits), and matching is
# a fraction of the cost of quoting.
UNQUOTED = re.compile(r"[A-Za-z0-9_.~:@!$&'()*+,;=-]*")
# Record URLs written per chunk of a streamed listing.
LISTING_BATCH = 2000


def path_part(name: str) -> str:
    return name if UNQUOTED.fullmatch(name) else quote(name, safe=PATH_SAFE)


def project_json(data: dict, records, base: str):
    """The project document `data` with a "records" list of the URL of each of `records`
    (`base` + label + "/"), as chunks of JSON text: the bytes `json.dumps` writes for the
    document, with the URLs joined by ",". Labels are read and written a batch at a time, so
    that a project of a million records never sits in memory at once.
    """
    yield json.dumps(data)[:-1] + ', "records": ['
    # A quoted label holds nothing JSON escapes, so a URL's JSON text is that of `base`, the
    # label and a slash; and `json.dumps` writes no more than ASCII.
    opening = json.dumps(base)[:-1]
    labels = records.values_list("label", flat=True).iterator(chunk_size=LISTING_BATCH)
    separator = ""
    while batch := list(islice(labels, LISTING_BATCH)):
        yield separator + ",".join([f'{opening}{path_part(label)}/"' for label in batch])
        separator = ","
    yield "]}"


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
