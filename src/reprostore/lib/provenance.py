"""W3C PROV documents as both domains export them (records/provenance.py, packets/provenance.py):
the formats, the terms we add to PROV's own, and identifiers that are also valid PROV-N names.

Identifiers are the server's own URLs (the record, the packet, the packet's file pages), so that
each one can be looked up where it came from; a run, a code version or a parameter set is a
fragment of its record's or packet's URL. Terms PROV lacks (a digest, a path, a version) are in
one fixed namespace, the same on every server, so that exports of several stores can be merged.
"""

import datetime
import hashlib
from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from prov.model import PROV, Namespace, ProvDocument

from reprostore.lib.http import NotAcceptable

TERMS = Namespace("reprostore", "urn:reprostore:terms:")


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str


# PROV-N's and Turtle's media types are registered; PROV-JSON has none (the W3C member
# submission names none): `application/prov+json` is the one tools such as ProvStore use.
FORMATS = {
    format.name: format
    for format in (
        Format("prov-json", "application/prov+json", "prov.json"),
        Format("prov-n", "text/provenance-notation", "provn"),
        Format("prov-o", "text/turtle", "ttl"),
    )
}
BY_MEDIA_TYPE = {format.media_type: format for format in FORMATS.values()}
MEDIA_TYPES = tuple(BY_MEDIA_TYPE)


def new_document(**namespaces: str) -> ProvDocument:
    """An empty document with our terms and `namespaces` (prefix=URI) declared."""
    document = ProvDocument()
    document.add_namespace(TERMS)
    for prefix, uri in namespaces.items():
        document.add_namespace(prefix, uri)
    return document


def serialize(document: ProvDocument, format: Format) -> str:
    if format.name == "prov-json":
        return document.serialize(format="json", indent=2)
    if format.name == "prov-n":
        return document.get_provn()
    return document.serialize(format="rdf", rdf_format="turtle")


def response(document: ProvDocument, format: Format, name: str) -> HttpResponse:
    """The document in `format`, to be saved as `name` plus the format's extension."""
    answer = HttpResponse(
        serialize(document, format), content_type=f"{format.media_type}; charset=utf-8"
    )
    answer["Content-Disposition"] = content_disposition_header(True, f"{name}.{format.extension}")
    return answer


def chosen_format(request) -> Format:
    """The format asked for by `?format=` or the Accept header (PROV-JSON when either allows
    anything), or NotAcceptable."""
    wanted = request.GET.get("format")
    if wanted is not None:
        if wanted not in FORMATS:
            raise NotAcceptable(
                f"Unknown format '{wanted}': use one of {', '.join(sorted(FORMATS))}"
            )
        return FORMATS[wanted]
    if not request.headers.get("Accept", "").strip():
        return FORMATS["prov-json"]
    media = request.get_preferred_type(MEDIA_TYPES)
    if media is None:
        raise NotAcceptable(
            f"Cannot answer with any of '{request.headers['Accept']}': "
            f"provenance is {', '.join(MEDIA_TYPES)}"
        )
    return BY_MEDIA_TYPE[media]


def segment(text: str) -> str:
    """`text` as one segment of an identifier's path, percent-encoded so that the identifier
    is a URL and its local part a valid PROV-N name (which may not start with '-' or '.', nor
    end with '.')."""
    quoted = quote(text, safe="")
    if quoted[:1] in ("-", "."):
        quoted = f"%{ord(quoted[0]):02X}{quoted[1:]}"
    if quoted.endswith("."):
        quoted = quoted[:-1] + "%2E"
    return quoted


def file_path(path: str) -> str:
    """A relative file path ('a/b.csv') as identifier segments, its slashes kept."""
    return "/".join(segment(part) for part in path.split("/"))


def digest_of_text(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def from_epoch(seconds: float) -> datetime.datetime | None:
    """A time in seconds since 1970 (outpack's) as a UTC datetime; None if no date can hold it."""
    try:
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def attributes(pairs) -> list[tuple]:
    """(term, value) pairs without the empty ones; a term may repeat (tags, repositories)."""
    return [(term, value) for term, value in pairs if value is not None and value != ""]


def term(name: str):
    return TERMS[name]


PERSON = PROV["Person"]
PLAN = PROV["Plan"]
COLLECTION = PROV["Collection"]
