"""What is particular to the Sumatra protocol over HTTP: its error body and its media types.

Everything else (methods, CSRF, 413, 503) is the shared plumbing of `lib/http.py`.
"""

import functools
import json
from urllib.parse import unquote

from django.http import HttpResponse

from reprostore.lib import provenance
from reprostore.lib.http import NotAcceptable, api_view

JSON = "application/json"


def error_body(error) -> HttpResponse:
    """The one error shape of this API: `{"error": message}`."""
    return HttpResponse(
        json.dumps({"error": error.message}), content_type="application/json; charset=utf-8"
    )


def sumatra_api(*methods: str, name: str):
    """Decorate a view of the Sumatra API; `name` is its URL name, for the metrics."""
    return api_view(methods, envelope=error_body, endpoint=f"records:{name}")


def vendor_type(resource: str, version: int) -> str:
    return f"application/vnd.sumatra.{resource}-v{version}+json"


@functools.cache
def media_types(resource: str) -> tuple[str, ...]:
    """What the API gives for a resource, best first. v3 and v4 share one document shape."""
    return (vendor_type(resource, 4), vendor_type(resource, 3), JSON)


def raw_query_value(request, name: str) -> str | None:
    """A query parameter percent-decoded without turning '+' into a space.

    The Sumatra client never encodes a space as '+', so a tag `c++` or a format `record-v4+json`
    arrives with literal '+' characters that a form-style parser would destroy.
    """
    for pair in request.META.get("QUERY_STRING", "").split("&"):
        key, _, value = pair.partition("=")
        if unquote(key) == name:
            return unquote(value)
    return None


def chosen_media(request, resource: str, *, with_provenance: bool = False) -> str:
    """The JSON media type to answer with (from `?format=` or Accept), or NotAcceptable.

    `with_provenance`: the resource is also offered as W3C PROV (records and projects), after
    its JSON, so that `*/*` and clients naming no type still get the JSON.
    """
    offered = media_types(resource)
    if with_provenance:
        offered += provenance.MEDIA_TYPES
    wanted = raw_query_value(request, "format")
    if wanted is not None:
        wanted = wanted.replace(" ", "+")
        by_name = {"json": JSON} | {media.split("sumatra.")[1]: media for media in offered[:2]}
        if with_provenance:
            by_name |= {name: format.media_type for name, format in provenance.FORMATS.items()}
        if wanted not in by_name:
            raise NotAcceptable(
                f"Unknown format '{wanted}': use one of {', '.join(sorted(by_name | {'html': 1}))}"
            )
        return by_name[wanted]
    if not request.headers.get("Accept", "").strip():
        return offered[0]
    media = request.get_preferred_type(offered)
    if media is None:
        raise NotAcceptable(
            f"Cannot answer with any of '{request.headers['Accept']}': "
            f"this resource is {'JSON, W3C PROV' if with_provenance else 'JSON'} or HTML"
        )
    return media


def provenance_format(media: str) -> provenance.Format | None:
    """The PROV format `media` (from chosen_media) is, or None for the Sumatra JSON."""
    return provenance.BY_MEDIA_TYPE.get(media)
