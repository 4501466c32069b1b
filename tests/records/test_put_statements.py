"""What a record PUT asks of the database (issue 13: server CPU per record).

The lookups and the rows of tags, parameters and data digests are written without the ORM's
per-query building (lib/rows.py); these tests pin the statements, so that a later change that
brings back a DELETE on a first PUT, or a statement per tag, is seen."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from reprostore.lib.rows import first_instance
from reprostore.records.models import Project, Record, RecordData, RecordParameter, RecordTag
from tests.records.helpers import put
from tests.support.records import record_document

DOCUMENT = record_document(
    "run-1",
    tags=["_finished_", "paper", "sweep"],
    parameters={"type": "SimpleParameterSet", "content": 'n = 3\nmodel = "lif"\nfast = True'},
    input_data=[{"path": "in.csv", "digest": "d1", "metadata": {"size": 1}, "creation": None}],
    output_data=[{"path": "out.csv", "digest": "d2", "metadata": {"size": 1}, "creation": None}],
)


def statements(queries, verb: str, table: str) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(verb) and f'"{table}"' in q["sql"]]


def test_a_first_put_deletes_nothing_and_inserts_each_kind_of_row_once(client, cast):
    with CaptureQueriesContext(connection) as queries:
        response = put(client, "/records/Private/run-1/", json.dumps(DOCUMENT).encode(), cast.owner)
    assert response.status_code == 201, response.content
    assert not [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
    assert not statements(queries, "SELECT", Record._meta.db_table)  # inserted unless there
    for model in (RecordTag, RecordParameter, RecordData):
        assert len(statements(queries, "INSERT", model._meta.db_table)) == 1, model
    # The record, then its tags, parameters, digests and revision: on PostgreSQL the four are
    # one round trip (lib/rows.py insert_many).
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == (2 if connection.vendor == "postgresql" else 5), inserts
    record = Record.objects.get(project=cast.project, label="run-1")
    assert record.created is not None and record.updated is not None  # as save() sets them
    assert record.revisions.get().action == "create"
    assert sorted(record.tag_rows.values_list("name", flat=True)) == [
        "_finished_",
        "paper",
        "sweep",
    ]
    values = {row.name: row.value for row in record.parameter_rows.all()}
    assert values == {"n": 3, "model": "lif", "fast": True}
    data = sorted(record.data_rows.values_list("role", "path", "digest"))
    assert data == [("input", "in.csv", "d1"), ("output", "out.csv", "d2")]


def test_a_second_put_replaces_the_rows(client, cast):
    put(client, "/records/Private/run-1/", json.dumps(DOCUMENT).encode(), cast.owner)
    changed = dict(DOCUMENT, tags=["other"], input_data=[], output_data=[])
    changed["parameters"] = {"type": "SimpleParameterSet", "content": "n = 4"}
    response = put(client, "/records/Private/run-1/", json.dumps(changed).encode(), cast.owner)
    assert response.status_code == 200, response.content
    record = Record.objects.get(project=cast.project, label="run-1")
    # A finished record keeps its parameters and inputs; its tags and outputs are the new ones.
    assert list(record.tag_rows.values_list("name", flat=True)) == ["other"]
    assert {row.name: row.value for row in record.parameter_rows.all()}["n"] == 3
    assert list(record.data_rows.values_list("role", "digest")) == [("input", "d1")]


def test_a_finished_records_columns_come_from_its_frozen_document(client, cast):
    put(client, "/records/Private/run-1/", json.dumps(DOCUMENT).encode(), cast.owner)
    kept = Record.objects.get(project=cast.project, label="run-1")
    changed = dict(DOCUMENT, timestamp="2030-01-01 00:00:00", duration=99.5, version="v9")
    changed["outcome"] = "looked again"
    response = put(client, "/records/Private/run-1/", json.dumps(changed).encode(), cast.owner)
    assert response.status_code == 200, response.content
    record = Record.objects.get(pk=kept.pk)
    assert (record.timestamp, record.duration, record.version) == (
        kept.timestamp,
        kept.duration,
        kept.version,
    )
    assert record.outcome == "looked again"


def test_first_instance_reads_one_row_as_the_orm_would(cast):
    project = first_instance(Project, name="Private")
    assert project == cast.project
    assert project.created == Project.objects.get(name="Private").created  # a datetime again
    assert first_instance(Project, name="Nowhere") is None
    assert first_instance(Project, pk=cast.public.pk, public=True) == cast.public
    assert first_instance(Project, pk=cast.project.pk, public=True) is None


def fields_of(instance) -> dict:
    return {key: value for key, value in vars(instance).items() if key != "_state"}


def test_first_instance_makes_the_instance_the_orm_makes(cast):
    """Every field converted as the ORM converts it (datetimes, booleans, nulls, foreign keys),
    and a saved instance of the right database."""
    owner = type(cast.owner)._default_manager.get(pk=cast.owner.pk)
    owner.last_login = owner.date_joined  # a second datetime, besides a null one elsewhere
    owner.save()
    record = Record.objects.create(project=cast.project, label="r", body="{}", timestamp=now())
    for model, pk in (
        (type(owner), owner.pk),
        (Project, cast.project.pk),
        (Project, cast.public.pk),
        (Record, record.pk),
    ):
        expected = model._default_manager.get(pk=pk)
        found = first_instance(model, pk=pk)
        assert fields_of(found) == fields_of(expected), model
        assert found._state.adding is False and found._state.db == expected._state.db


def test_first_instance_locks_the_row_where_the_database_can(cast):
    with CaptureQueriesContext(connection) as queries:
        first_instance(Record, for_update=True, project=cast.project.pk, label="x")
    locks = connection.features.has_select_for_update
    assert queries[-1]["sql"].endswith("FOR UPDATE") == locks


def test_the_project_and_the_callers_grant_are_one_statement(cast, django_assert_num_queries):
    from reprostore.records.models import project_with_grant

    with django_assert_num_queries(1):
        project = project_with_grant("Private", cast.reader)
        assert project == cast.project
        assert project.granted_level(cast.reader) == "read"
    with django_assert_num_queries(1):
        assert project_with_grant("Private", cast.stranger).granted_level(cast.stranger) is None
    with django_assert_num_queries(1):  # asked of someone else: read for them
        assert project.granted_level(cast.writer) == "write"
    assert project_with_grant("Nowhere", cast.reader) is None
    from django.contrib.auth.models import AnonymousUser

    assert project_with_grant("Public", AnonymousUser()) == cast.public


def test_a_record_deleted_between_the_insert_and_the_lock_is_saved_again(client, cast, monkeypatch):
    """On PostgreSQL a DELETE may commit after the INSERT found the label taken and before the
    row is locked; the save then starts again instead of failing."""
    from reprostore.records import operations

    put(client, "/records/Private/run-1/", json.dumps(DOCUMENT).encode(), cast.owner)
    real, missed = operations.first_instance, []

    def gone_once(model, **kwargs):
        if model is Record and not missed:
            missed.append(kwargs["label"])
            return None
        return real(model, **kwargs)

    monkeypatch.setattr(operations, "first_instance", gone_once)
    again = dict(DOCUMENT, tags=["rerun"])
    response = put(client, "/records/Private/run-1/", json.dumps(again).encode(), cast.owner)
    assert response.status_code == 200, response.content
    assert missed == ["run-1"]
    record = Record.objects.get(project=cast.project, label="run-1")
    assert list(record.tag_rows.values_list("name", flat=True)) == ["rerun"]
