"""Everything reprostore serves, for one `include()` in a host project's urls.py:

    path("provenance/", include("reprostore.embed_urls"))

gives /provenance/records/ (Sumatra), /provenance/outpack/ (outpack), /provenance/packit/ (the
outpack API as pyorderly's `packit` location calls it, with device login) and the web pages.

This is where the apps meet. The Sumatra URLs answer browsers with the web app's pages and
clients with the records app's JSON, from one route each (`negotiated`).
"""

from django.urls import include, path

from reprostore.accounts import views as device_api
from reprostore.lib import provenance
from reprostore.lib.http import negotiated
from reprostore.packets import urls as outpack
from reprostore.packets.urls import misjoined_urlpatterns
from reprostore.records import views as api
from reprostore.records.protocol import media_types
from reprostore.web import access_pages
from reprostore.web import record_pages as pages


def sumatra(name: str, resource: str, *, with_provenance: bool = False):
    """The Sumatra route `name`: JSON for `resource` from the API, or its page; with
    `with_provenance`, W3C PROV from the API too (records/provenance.py)."""
    offered = media_types(resource) + (provenance.MEDIA_TYPES if with_provenance else ())
    return negotiated(getattr(api, name), getattr(pages, name), offered)


records_urlpatterns = [
    path("", sumatra("project_list", "project-list"), name="project_list"),
    path("<str:project>/", sumatra("project", "project", with_provenance=True), name="project"),
    path("<str:project>/last/", sumatra("last_record", "record"), name="last"),
    path("<str:project>/permissions/", sumatra("permissions", "permissions"), name="permissions"),
    path("<str:project>/tag/<str:tag>/", sumatra("tagged", "project"), name="tagged"),
    path(
        "<str:project>/<str:label>/",
        sumatra("record", "record", with_provenance=True),
        name="record",
    ),
]

# What pyorderly's `packit` location calls, given the URL `http://host/packit/`: the outpack API
# under api/outpack/ with a bearer token, and the device login (RFC 8628) that gets one, whose
# verification page is `device`.
packit_urlpatterns = [
    path("api/outpack/", include(outpack.urlpatterns)),
    path("api/deviceAuth", device_api.device_authorization, name="device-authorization"),
    path("api/deviceAuth/token", device_api.device_token, name="device-token"),
    path("device", access_pages.device_login, name="device"),
]

urlpatterns = [
    path("records/", include((records_urlpatterns, "records"))),
    path("outpack/", include("reprostore.packets.urls")),
    path("packit/", include((packit_urlpatterns, "packit"))),
    # pyorderly given `http://host/outpack` (no slash) asks for /metadata/list and so on:
    # tell it to add the slash instead of answering with a page.
    path("", include(misjoined_urlpatterns)),
    path("", include("reprostore.web.urls")),
]
