"""Small formatting helpers for the pages."""

from urllib.parse import quote

from django import template

from reprostore.records.protocol import raw_query_value
from reprostore.web import formatting
from reprostore.web.access import can_read_packets

register = template.Library()

# Parameters whose values the Sumatra client decodes without form rules (see negotiation.py):
# they are copied into links exactly as they arrived.
RAW_PARAMETERS = ("tags",)
# The signed-in user's own pages, in neither section of the main menu.
OWN_PAGES = {"tokens"}


register.filter("duration", formatting.duration)
register.filter("epoch", formatting.epoch)
register.filter("short_hash", formatting.short_hash)
register.filter("pretty_json", formatting.pretty_json)
register.filter("show_value", formatting.show_value)
register.filter("value_type", formatting.value_type)


@register.simple_tag(takes_context=True)
def query_url(context, **changes):
    """This page's query string with `changes` applied (None removes a parameter).

    Changing the sort, the page size or the search goes back to page 1.
    """
    request = context["request"]
    # A repeated parameter (compare's `label=a&label=b`) keeps all its values.
    values = {
        key: [raw_query_value(request, key)] if key in RAW_PARAMETERS else request.GET.getlist(key)
        for key in request.GET
    }
    if "page" not in changes:
        values.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            values.pop(key, None)
        else:
            values[key] = [str(value)]
    if not values:
        return "?"
    pairs = (
        f"{quote(key)}={quote(value, safe=',:')}" for key, many in values.items() for value in many
    )
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
    request = context.get("request")
    return request is not None and can_read_packets(request)


@register.simple_tag(takes_context=True)
def current_section(context) -> str:
    """The main-menu entry this page belongs to: "packets", "projects", or "" for neither.

    Taken from the route that answered, not the path, so it holds wherever a host project
    mounts our URLs. The packet pages are the `web` routes named `packet...`; the other web
    pages and the Sumatra pages are about projects.
    """
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if "web" in match.app_names and (match.url_name or "").startswith("packet"):
        return "packets"
    if "web" in match.app_names and match.url_name in OWN_PAGES:
        return ""
    if "web" in match.app_names or "records" in match.app_names:
        return "projects"
    return ""
