"""A project's JSON listing as it is written since issue 13 (URLs a batch at a time, labels
quoted only when they must be): byte for byte what it wrote before."""

import datetime
import json
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reprostore.accounts.access import Level
from reprostore.records import listing
from reprostore.records.models import Project, Record, RecordTag
from reprostore.records.operations import do_grant
from reprostore.records.views import project_document
from tests.conftest import basic_auth

LABELS = [
    "20240101-120000",
    "plain_label.v2~x",
    "with space",
    "ünïcödé",
    'quote"and\\backslash',
    "percent%20sign",
    "hash#and?query",
    "colon:at@bang!$&'()*+,;=",
    "emoji \U0001f600",
    "tab\tand\u2028line",  # stored by an older server, before names were checked
    "",
]


def listing_before_issue_13(data, records, base):
    """REFERENCE: the old streamed body (a copy of the old code): one `json.dumps` and one
    `quote` per record URL."""
    chunks = [json.dumps(data)[:-1] + ', "records": [']
    labels = records.values_list("label", flat=True).iterator(chunk_size=2000)
    for position, label in enumerate(labels):
        url = f"{base}{quote(label, safe=listing.PATH_SAFE)}/"
        chunks.append(("," if position else "") + json.dumps(url))
    chunks.append("]}")
    return "".join(chunks).encode()


def make_records(project, count):
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    labels = [
        f"{LABELS[i % len(LABELS)]}-{i}" if i >= len(LABELS) else LABELS[i] for i in range(count)
    ]
    records = Record.objects.bulk_create(
        Record(
            project=project,
            label=label,
            # Some share a timestamp: the order falls back to the id.
            timestamp=start + datetime.timedelta(minutes=i // 3),
            body="{}",
        )
        for i, label in enumerate(labels)
    )
    RecordTag.objects.bulk_create(RecordTag(record=record, name="paper") for record in records[::4])


@pytest.fixture
def project(cast):
    odd = Project.objects.create(name="odd name é", created_by=cast.owner)
    do_grant(None, odd, cast.reader, Level.READ)
    do_grant(None, odd, cast.owner, Level.ADMIN)
    make_records(odd, 60)
    return odd


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(listing, "LISTING_BATCH", 7)


def body_and_reference(client, project, user, level, query="", tags=None):
    url = f"/records/{quote(project.name)}/"
    response = client.get(
        url + query,
        HTTP_ACCEPT="application/json",
        HTTP_HOST="127.0.0.1:8123",
        **basic_auth(user.username),
    )
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    data = project_document(user, project, tags, level)
    records = listing.records_of(project, listing.parse_tags(tags))
    return body, data, records, f"http://127.0.0.1:8123{url}"


@pytest.mark.parametrize("who", ["reader", "owner"])
def test_the_listing_is_byte_for_byte_the_old_one(client, cast, project, small_batches, who):
    user, level = (cast.reader, Level.READ) if who == "reader" else (cast.owner, Level.ADMIN)
    body, data, records, base = body_and_reference(client, project, user, level)
    assert body == listing_before_issue_13(data, records, base)
    assert len(json.loads(body)["records"]) == 60


def test_a_tagged_listing_is_the_old_one(client, cast, project, small_batches):
    body, data, records, base = body_and_reference(
        client, project, cast.reader, Level.READ, "?tags=paper", tags="paper"
    )
    assert body == listing_before_issue_13(data, records, base)
    assert len(json.loads(body)["records"]) == 15


def test_an_empty_project_lists_as_before(client, cast):
    body, data, records, base = body_and_reference(client, cast.project, cast.reader, Level.READ)
    assert body == listing_before_issue_13(data, records, base)
    assert json.loads(body)["records"] == []


@given(st.text())
def test_a_path_part_is_what_quote_makes(name):
    assert listing.path_part(name) == quote(name, safe=listing.PATH_SAFE)


def test_the_labels_are_read_from_the_index_alone(project):
    """The listing's query is answered from `record_newest_label` without reading the table's
    rows (on PostgreSQL, an index-only scan once the planner may not sort or scan the table:
    a test's few rows would otherwise be read whole)."""
    from django.db import connection

    labels = listing.records_of(project).values_list("label", flat=True)
    if connection.vendor == "sqlite":
        plan = labels.explain()
        assert "USING COVERING INDEX record_newest_label" in plan, plan
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        plan = labels.explain()
        assert "Index Only Scan" in plan and "record_newest_label" in plan, plan
