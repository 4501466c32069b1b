"""The packet index: what `.outpack/` holds, in the database so that listing and querying do not
read every metadata file per request. The files on disk stay the truth; `index.py` keeps these
rows in step with them and `reprostore reindex` rebuilds them.
"""

import json

from django.conf import settings
from django.db import models

from reprostore.accounts.access import Level
from reprostore.lib.parameters import TypedParameter


class PacketQuerySet(models.QuerySet):
    def readable(self, access):
        """The packets a caller with `access` (accounts.access.PacketsAccess) may read."""
        if access.reads_every_packet:
            return self
        return self.filter(name__in=sorted(access.names))


class Packet(models.Model):
    """A packet whose metadata is in `.outpack/metadata/<id>` (known, not necessarily unpacked)."""

    id = models.CharField(max_length=24, primary_key=True)
    name = models.TextField()
    hash = models.TextField(help_text="hash of the metadata file's bytes, root's algorithm")
    time_start = models.FloatField()
    time_end = models.FloatField()
    parameters = models.JSONField(null=True)
    custom = models.JSONField(null=True)

    objects = PacketQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        # `latest(name == "x")` is the newest id of one name: walked backwards from the end of
        # its name's run in this index, one row read whatever the number of packets. It also
        # serves every `name ==` lookup, as the plain index on the name did.
        indexes = [models.Index(fields=["name", "id"], name="packet_name_id")]

    def __str__(self):
        return f"{self.name}/{self.id}"


class PacketLocation(models.Model):
    """`.outpack/location/<location>/<packet>`: since `time`, `packet` is known via `location`.

    `packet` is a plain id, not a foreign key: an entry may exist before (or without) its
    metadata, and `/metadata/list` reports it all the same.
    """

    location = models.TextField()
    packet = models.CharField(max_length=24, db_index=True)
    time = models.FloatField()
    hash = models.TextField()
    # The entry as `/metadata/list` writes it, made once when the row is: a listing of a
    # million entries then joins stored text instead of encoding a million objects.
    listing_json = models.TextField(default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "packet"], name="one_entry_per_location")
        ]

    def __str__(self):
        return f"{self.packet} in {self.location}"

    def save(self, *args, **kwargs):
        if not self.listing_json:
            self.listing_json = listing_json(self.packet, self.time, self.hash)
        super().save(*args, **kwargs)


def listing_json(packet, time, hash):
    """One entry of `/metadata/list`, byte for byte as the listing has always encoded it."""
    return json.dumps({"packet": packet, "time": float(time), "hash": hash})


class PacketFile(models.Model):
    packet = models.ForeignKey(Packet, on_delete=models.CASCADE, related_name="files")
    path = models.TextField()
    hash = models.TextField(db_index=True)
    size = models.BigIntegerField()

    def __str__(self):
        return f"{self.packet_id}/{self.path}"


class PacketDependency(models.Model):
    packet = models.ForeignKey(Packet, on_delete=models.CASCADE, related_name="depends")
    depends_on = models.CharField(max_length=24, db_index=True)
    query = models.TextField(null=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["packet", "position"]

    def __str__(self):
        return f"{self.packet_id} uses {self.depends_on}"


class PacketParameter(TypedParameter):
    """One parameter per row, typed so that `parameter:x > 1` is an indexed SQL comparison."""

    # The unique (packet, name) constraint is also the index a query's correlated EXISTS uses; an
    # index led by the name makes SQLite scan every row of that name per packet (quadratic).
    packet = models.ForeignKey(
        Packet, on_delete=models.CASCADE, related_name="parameter_rows", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["packet", "name"], name="one_value_per_parameter")
        ]


class PacketGrant(models.Model):
    """Access to the packets, as Packit grants it: `level` on every packet, or (with a `name`)
    read access to the packets of that name. A grant without a user is for anonymous callers.

    Changed only through `packets/grants.py`, which applies the access policy's rules.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    level = models.CharField(max_length=5, choices=Level.choices, default=Level.READ)
    name = models.TextField(blank=True, default="", help_text="a packet name; empty for all")

    class Meta:
        # NULL users are distinct to a plain unique constraint, so anonymous grants get their own.
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(user__isnull=False),
                name="one_packet_grant_per_user_and_name",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(user__isnull=True),
                name="one_anonymous_packet_grant_per_name",
            ),
        ]

    def __str__(self):
        who = self.user or "anonymous"
        return f"{who} may {self.level} packets" + (f" named {self.name}" if self.name else "")
