"""JSON (v3, v4, plain) or HTML, chosen by ?format= or the Accept header."""

import pytest

from tests.records.helpers import get, put
from tests.support.records import record_body

pytestmark = pytest.mark.django_db
URL = "/records/Private/r/"


@pytest.fixture
def record(client, cast):
    put(client, URL, record_body("r"), cast.writer)


@pytest.mark.parametrize(
    "accept, content_type",
    [
        (
            "application/vnd.sumatra.record-v4+json, application/json",
            "application/vnd.sumatra.record-v4+json",
        ),
        (
            "application/vnd.sumatra.record-v3+json, application/json",
            "application/vnd.sumatra.record-v3+json",
        ),
        ("application/json", "application/json"),
        ("*/*", "application/vnd.sumatra.record-v4+json"),
        ("", "application/vnd.sumatra.record-v4+json"),
        ("text/html;q=0.5, application/json", "application/json"),
        ("application/json;q=0.1, text/html", "text/html"),
    ],
)
def test_accept_chooses_the_media_type(client, cast, record, accept, content_type):
    response = get(client, URL, cast.reader, accept=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"


@pytest.mark.parametrize(
    "query, content_type",
    [
        ("?format=html", "text/html"),
        ("?format=json", "application/json"),
        ("?format=record-v4%2Bjson", "application/vnd.sumatra.record-v4+json"),
        ("?format=record-v3+json", "application/vnd.sumatra.record-v3+json"),
    ],
)
def test_format_overrides_accept(client, cast, record, query, content_type):
    response = get(client, URL + query, cast.reader, accept="application/json")
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"


def test_anonymous_html_listing_goes_to_the_login_page(client, cast):
    response = get(client, "/records/", accept="text/html")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
