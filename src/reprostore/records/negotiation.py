"""Choosing JSON or HTML for a Sumatra resource from `?format=` or the Accept header."""

from urllib.parse import unquote

from reprostore.records.errors import NotAcceptable

HTML = "text/html"
JSON = "application/json"


def vendor_type(resource: str, version: int) -> str:
    return f"application/vnd.sumatra.{resource}-v{version}+json"


def candidates(resource: str) -> list[str]:
    """What we can give for a resource, best first. v3 and v4 share one document shape."""
    return [vendor_type(resource, 4), vendor_type(resource, 3), JSON, HTML]


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


def parse_accept(header: str) -> list[str]:
    """Media ranges by descending q; equal q keep the client's order (the reference broke ties by
    reverse alphabetical order)."""
    ranges = []
    for position, item in enumerate(header.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranges.append((-quality, position, media.lower()))
    return [media for _, _, media in sorted(ranges)]


def choose(request, resource: str) -> str:
    """The media type to answer with, or NotAcceptable."""
    offered = candidates(resource)
    wanted = raw_query_value(request, "format")
    if wanted is not None:
        wanted = wanted.replace(" ", "+")
        by_name = {"html": HTML, "json": JSON}
        by_name.update(
            {media.split("sumatra.")[1]: media for media in offered if "sumatra." in media}
        )
        if wanted not in by_name:
            raise NotAcceptable(
                f"Unknown format '{wanted}': use one of {', '.join(sorted(by_name))}"
            )
        return by_name[wanted]
    header = request.META.get("HTTP_ACCEPT", "").strip()
    if not header:
        return offered[0]
    for media in parse_accept(header):
        if media in offered:
            return media
        if media in ("*/*", "application/*"):
            return offered[0]
        if media == "text/*":
            return HTML
    raise NotAcceptable(f"Cannot answer with any of '{header}': this resource is JSON or HTML")


def is_html(media: str) -> bool:
    return media == HTML
