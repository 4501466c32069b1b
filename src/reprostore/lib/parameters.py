"""Parameter values stored with their type, so that queries compare them as outpack does.

The outpack query rules (see the query app) never coerce: a bool is not a number, integers compare
as doubles, and null, lists and objects count as absent. Packets and Sumatra records both keep their
parameters in a table built on `TypedParameter`, one row per name, so `parameter:a > 1` is a
plain indexed SQL comparison on either database.
"""

import json
import math

from django.db import models


class Kind(models.TextChoices):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    OTHER = "other"  # null, list or object: shown, but absent to queries


def as_double(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer beyond the range of a double, as serde_json reads it
        return math.inf if value > 0 else -math.inf


def typed_value(value) -> dict:
    """The column values of one parameter: kind plus exactly one of text, number, boolean."""
    if isinstance(value, bool):
        return {"kind": Kind.BOOLEAN, "text": None, "number": None, "boolean": value}
    if isinstance(value, int | float):
        return {"kind": Kind.NUMBER, "text": None, "number": as_double(value), "boolean": None}
    if isinstance(value, str):
        # PostgreSQL text cannot hold NUL.
        text = value.replace("\x00", "\ufffd")
        return {"kind": Kind.STRING, "text": text, "number": None, "boolean": None}
    return {"kind": Kind.OTHER, "text": json.dumps(value), "number": None, "boolean": None}


class TypedParameter(models.Model):
    name = models.TextField()
    kind = models.CharField(max_length=7, choices=Kind.choices)
    text = models.TextField(null=True)
    number = models.FloatField(null=True)
    boolean = models.BooleanField(null=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.name}={self.value!r}"

    @property
    def value(self):
        if self.kind == Kind.BOOLEAN:
            return self.boolean
        if self.kind == Kind.NUMBER:
            return self.number
        if self.kind == Kind.STRING:
            return self.text
        return json.loads(self.text)
