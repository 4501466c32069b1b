"""Everything reprostore serves, for one `include()` in a host project's urls.py:

    path("provenance/", include("reprostore.embed_urls"))

gives /provenance/records/ (Sumatra), /provenance/outpack/ (outpack) and the web pages.
"""

from django.urls import include, path

from reprostore.packets.urls import misjoined_urlpatterns

urlpatterns = [
    path("records/", include("reprostore.records.urls")),
    path("outpack/", include("reprostore.packets.urls")),
    # pyorderly given `http://host/outpack` (no slash) asks for /metadata/list and so on:
    # tell it to add the slash instead of answering with a page.
    path("", include(misjoined_urlpatterns)),
    path("", include("reprostore.web.urls")),
]
