from django.urls import path, re_path, register_converter
from django.urls.converters import PathConverter

from . import views


class AnyText(PathConverter):
    """Like `path`, but newlines too: every id or hash a client sends reaches its view, which
    says what is wrong with it (400), instead of no route matching at all."""

    regex = "(?s:.+)"


register_converter(AnyText, "any")

app_name = "packets"

urlpatterns = [
    path("", views.root, name="root"),
    path("metadata/list", views.metadata_list, name="metadata-list"),
    path("metadata/<any:packet_id>/json", views.metadata_json, name="metadata-json"),
    path("metadata/<any:packet_id>/text", views.metadata_text, name="metadata-text"),
    path("checksum", views.checksum, name="checksum"),
    path("packets/missing", views.packets_missing, name="packets-missing"),
    path("files/missing", views.files_missing, name="files-missing"),
    path("packit/metadata", views.packit_metadata, name="packit-metadata"),
    path("file/<any:hash>", views.file, name="file"),
    path("packet/<any:hash>", views.packet, name="packet"),
    path("metrics", views.metrics_text, name="metrics"),
    path("query", views.query, name="query"),
    # Any path at all, newlines included (`.` alone stops at one), gets the outpack envelope.
    re_path(r"^(?P<rest>(?s:.*))$", views.fallback, name="not-found"),
]

# The paths pyorderly requests when its location URL is `http://host/outpack` (no trailing
# slash): urljoin replaces the last segment, so `metadata/list` lands on `/metadata/list`.
# Mounted at the site's top level, they answer with a failure envelope saying what to change.
misjoined_urlpatterns = [
    re_path(
        r"^(?P<rest>metadata/list|metadata/[^/]+/(json|text)|packets/missing|files/missing"
        r"|file/[^/]+|packet/[^/]+|checksum|packit/metadata)$",
        views.misjoined,
    ),
]
