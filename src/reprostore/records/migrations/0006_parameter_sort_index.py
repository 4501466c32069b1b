"""The records table's sort index (web/parameter_columns.py; records/models.py says why it is
partial).

Text is ordered by code point on both databases: SQLite compares text so itself, and on
PostgreSQL the index's text takes COLLATE "C", as the table's ORDER BY does, so that PostgreSQL
walks the index instead of sorting every string. No collation has one name on both databases,
so the model's index (the migration state) names none and each database gets its own SQL.
"""

import django.db.models.functions.text
from django.db import migrations, models

CREATE = (
    'CREATE INDEX "record_parameter_sort" ON "records_recordparameter" '
    '("name", "kind", "number", "boolean", (SUBSTR("text", 1, 100){collation}), "record_id") '
    "WHERE \"kind\" IN ('boolean', 'number', 'other', 'string')"
)


def create_sort_index(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(CREATE.format(collation=' COLLATE "C"' if postgres else ""))


def drop_sort_index(apps, schema_editor):
    schema_editor.execute('DROP INDEX "record_parameter_sort"')


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0005_revision_edit_actions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create_sort_index, drop_sort_index)],
            state_operations=[
                migrations.AddIndex(
                    model_name="recordparameter",
                    index=models.Index(
                        models.F("name"),
                        models.F("kind"),
                        models.F("number"),
                        models.F("boolean"),
                        django.db.models.functions.text.Substr("text", 1, 100),
                        models.F("record"),
                        condition=models.Q(("kind__in", ["boolean", "number", "other", "string"])),
                        name="record_parameter_sort",
                    ),
                )
            ],
        ),
    ]
