"""How values look on the pages: durations, times, hashes and parameter values."""

import datetime
import json
import math


def duration(seconds):
    """1.25 s, 3 min 4 s, 2 h 5 min: run times as people say them."""
    if seconds is None or isinstance(seconds, bool):
        return "—"
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        return str(seconds)
    if not math.isfinite(seconds):  # kept before non-finite durations were refused
        return str(seconds)
    if seconds < 60:
        return f"{seconds:.3g} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def epoch(seconds):
    """Seconds since 1970 (outpack times) as an aware datetime."""
    try:
        return datetime.datetime.fromtimestamp(float(seconds), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def short_hash(text):
    """The first 12 hex digits of a digest, with `sha256:` and the like taken off."""
    text = str(text or "")
    return text.split(":", 1)[-1][:12]


def pretty_json(value):
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def show_value(value):
    """A parameter or field value as text: strings bare, everything else as JSON."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        # Parameters are kept as doubles, as outpack compares them; 50.0 was most likely 50.
        return str(int(value))
    return json.dumps(value, default=str)


def value_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "list" if isinstance(value, list) else "object"
