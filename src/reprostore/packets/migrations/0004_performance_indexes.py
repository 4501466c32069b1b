"""A million packets: an index `latest(name == "x")` can walk, and `/metadata/list`'s entries
stored ready to send (see docs/performance.md)."""

import json

from django.db import migrations, models

BATCH = 5000


def fill_listing_json(apps, schema_editor):
    """The listing entry of every existing row, encoded as the listing did (models.listing_json;
    a migration keeps its own copy, as it must not import the models module)."""
    db = schema_editor.connection.alias  # `copydata` migrates a second database
    PacketLocation = apps.get_model("packets", "PacketLocation")
    last = 0
    while True:
        rows = list(
            PacketLocation.objects.using(db)
            .filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "packet", "time", "hash")[:BATCH]
        )
        if not rows:
            return
        for row in rows:
            entry = {"packet": row.packet, "time": float(row.time), "hash": row.hash}
            row.listing_json = json.dumps(entry)
        PacketLocation.objects.using(db).bulk_update(rows, ["listing_json"], batch_size=500)
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("packets", "0003_packet_grants"),
    ]

    operations = [
        migrations.AlterField(
            model_name="packet",
            name="name",
            field=models.TextField(),
        ),
        migrations.AddIndex(
            model_name="packet",
            index=models.Index(fields=["name", "id"], name="packet_name_id"),
        ),
        migrations.AddField(
            model_name="packetlocation",
            name="listing_json",
            field=models.TextField(default=""),
        ),
        migrations.RunPython(fill_listing_json, migrations.RunPython.noop),
    ]
