"""Whether a request was sent by a page of another site, from the headers browsers add.

Browsers name the page that made a request in `Origin` (every POST, PUT and DELETE) and usually
in `Referer`. A form on another site can make a browser send a write to us with whatever
credentials the browser holds for this site: its session cookie, and Basic credentials it cached
after a challenge. Clients such as smt, pyorderly and curl send neither header, so a write that
names an origin must name this site (or one of CSRF_TRUSTED_ORIGINS, as Django's own check).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.http import is_same_domain


def cross_site_origin(request) -> str | None:
    """The other site a request comes from, or None when it comes from this one or names none."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        referer = request.META.get("HTTP_REFERER")
        if not referer:
            return None
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return None if is_trusted(request, origin) else origin


def is_trusted(request, origin: str) -> bool:
    try:
        if origin == f"{request.scheme}://{request.get_host()}":
            return True
    except DisallowedHost:
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    return any(
        "*" in trusted
        and urlsplit(trusted).scheme == parts.scheme
        and is_same_domain(parts.netloc, urlsplit(trusted).netloc.replace("*", "", 1))
        for trusted in settings.CSRF_TRUSTED_ORIGINS
    )
