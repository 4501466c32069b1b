"""Small formatting helpers for the pages."""

import datetime
import json
from urllib.parse import quote

from django import template

from reprostore.records.negotiation import raw_query_value

register = template.Library()

# Parameters whose values the Sumatra client decodes without form rules (see negotiation.py):
# they are copied into links exactly as they arrived.
RAW_PARAMETERS = ("tags",)


@register.filter
def duration(seconds):
    """1.25 s, 3 min 4 s, 2 h 5 min: run times as people say them."""
    if seconds is None or isinstance(seconds, bool):
        return "—"
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        return str(seconds)
    if seconds < 60:
        return f"{seconds:.3g} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


@register.filter
def epoch(seconds):
    """Seconds since 1970 (outpack times) as an aware datetime."""
    try:
        return datetime.datetime.fromtimestamp(float(seconds), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


@register.filter
def short_hash(text):
    """The first 12 hex digits of a digest, with `sha256:` and the like taken off."""
    text = str(text or "")
    return text.split(":", 1)[-1][:12]


@register.filter
def pretty_json(value):
    return json.dumps(value, indent=2, sort_keys=True, default=str)


@register.filter
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


@register.filter
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


@register.simple_tag(takes_context=True)
def query_url(context, **changes):
    """This page's query string with `changes` applied (None removes a parameter).

    Changing the sort, the page size or the search goes back to page 1.
    """
    request = context["request"]
    values = {}
    for key in request.GET:
        values[key] = (
            raw_query_value(request, key) if key in RAW_PARAMETERS else request.GET.get(key)
        )
    if "page" not in changes:
        values.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            values.pop(key, None)
        else:
            values[key] = str(value)
    if not values:
        return "?"
    pairs = (f"{quote(key)}={quote(value, safe=',:')}" for key, value in values.items())
    return "?" + "&".join(pairs)


@register.simple_tag(takes_context=True)
def sort_link(context, column, current):
    """The query string that sorts by `column`: descending first for times and durations,
    then the other way when it is already the sort."""
    descending_first = column in ("timestamp", "duration")
    if current == column:
        wanted = f"-{column}"
    elif current == f"-{column}":
        wanted = column
    else:
        wanted = f"-{column}" if descending_first else column
    return query_url(context, sort=wanted)


@register.filter
def aria_sort(column, current):
    if current == column:
        return "ascending"
    if current == f"-{column}":
        return "descending"
    return "none"


@register.simple_tag(takes_context=True)
def packets_visible(context) -> bool:
    """Whether to link the packet pages: only for visitors who may read them."""
    from reprostore.web.access import can_read_packets

    request = context.get("request")
    return request is not None and can_read_packets(request)


@register.simple_tag(takes_context=True)
def current_section(context) -> str:
    request = context.get("request")
    path = request.path if request is not None else ""
    return "packets" if path.startswith("/packets/") else "projects"
