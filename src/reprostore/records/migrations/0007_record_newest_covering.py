"""A project's records newest first, with the label in the index (records/models.py).

The new index is made before the old one goes, so that listings keep an index throughout.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0006_parameter_sort_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="record",
            index=models.Index(
                fields=["project", "-timestamp", "-id", "label"], name="record_newest_label"
            ),
        ),
        migrations.RemoveIndex(
            model_name="record",
            name="record_newest",
        ),
    ]
