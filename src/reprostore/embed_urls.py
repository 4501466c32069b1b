"""Everything reprostore serves, for one `include()` in a host project's urls.py:

    path("provenance/", include("reprostore.embed_urls"))

gives /provenance/records/ (Sumatra), /provenance/outpack/ (outpack) and the web pages.

This is where the apps meet. The Sumatra URLs answer browsers with the web app's pages and
clients with the records app's JSON, from one route each (`negotiated`).
"""

from django.urls import include, path

from reprostore.lib.http import negotiated
from reprostore.packets.urls import misjoined_urlpatterns
from reprostore.records import views as api
from reprostore.records.protocol import media_types
from reprostore.web import record_pages as pages


def sumatra(name: str, resource: str):
    """The Sumatra route `name`: JSON for `resource` from the API, or its page."""
    return negotiated(getattr(api, name), getattr(pages, name), media_types(resource))


records_urlpatterns = [
    path("", sumatra("project_list", "project-list"), name="project_list"),
    path("<str:project>/", sumatra("project", "project"), name="project"),
    path("<str:project>/last/", sumatra("last_record", "record"), name="last"),
    path("<str:project>/permissions/", sumatra("permissions", "permissions"), name="permissions"),
    path("<str:project>/tag/<str:tag>/", sumatra("tagged", "project"), name="tagged"),
    path("<str:project>/<str:label>/", sumatra("record", "record"), name="record"),
]

urlpatterns = [
    path("records/", include((records_urlpatterns, "records"))),
    path("outpack/", include("reprostore.packets.urls")),
    # pyorderly given `http://host/outpack` (no slash) asks for /metadata/list and so on:
    # tell it to add the slash instead of answering with a page.
    path("", include(misjoined_urlpatterns)),
    path("", include("reprostore.web.urls")),
]
