"""The main menu marks the section of the page from its route, wherever the URLs are mounted."""

import pytest
from django.test import RequestFactory
from django.urls import include, path, resolve

from reprostore.web.templatetags.reprostore_web import current_section

# A host project that mounts everything under /provenance/ (see docs/deployment.md).
urlpatterns = [path("provenance/", include("reprostore.embed_urls"))]


def section(url: str, urlconf=None) -> str:
    request = RequestFactory().get(url)
    request.resolver_match = resolve(url, urlconf=urlconf)
    return current_section({"request": request})


@pytest.mark.parametrize("prefix, urlconf", [("", None), ("/provenance", __name__)])
@pytest.mark.parametrize(
    "url, expected",
    [
        ("/packets/", "packets"),
        ("/packets/model-fit/", "packets"),
        ("/packets/model-fit/20240506-070809-0123abcd/", "packets"),
        ("/packets/model-fit/20240506-070809-0123abcd/files/log.txt", "packets"),
        ("/", "projects"),
        ("/projects/Private/compare/", "projects"),
        ("/records/", "projects"),
        ("/records/Private/", "projects"),
        ("/records/Private/run-a/", "projects"),
        ("/outpack/", ""),
        ("/permissions/packets/", "packets"),
        ("/account/tokens/", ""),
        ("/packit/device", ""),
    ],
)
def test_the_section_comes_from_the_route(prefix, urlconf, url, expected):
    assert section(prefix + url, urlconf) == expected


def test_a_page_no_route_answered_marks_no_section():
    assert current_section({"request": RequestFactory().get("/packets/nowhere/x/y/z")}) == ""
    assert current_section({}) == ""


def test_the_menu_marks_the_current_section(client, cast):
    client.force_login(cast.reader)
    page = client.get("/").content.decode()
    assert 'aria-current="true">Projects</a>' in page
    assert 'aria-current="true">Packets' not in page
