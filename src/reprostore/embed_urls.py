"""Everything reprostore serves, for one `include()` in a host project's urls.py:

    path("provenance/", include("reprostore.embed_urls"))

gives /provenance/records/ (Sumatra), /provenance/outpack/ (outpack) and the web pages.
"""

from django.urls import include, path

urlpatterns = [
    path("records/", include("reprostore.records.urls")),
    path("outpack/", include("reprostore.packets.urls")),
    path("", include("reprostore.web.urls")),
]
