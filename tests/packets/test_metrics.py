"""GET /outpack/metrics and /metrics in one process (prometheus_client's plain registry).

tests/core/test_metrics_live.py runs the same against a multi-worker server.
"""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import basic_auth

# outpack_server's metrics: name → (type, label names).
OUTPACK_SERVER = {
    "http_requests": ("counter", {"endpoint", "method", "status"}),
    "http_requests_duration_seconds": ("histogram", {"endpoint", "method", "status"}),
    "http_requests_in_flight": ("gauge", {"endpoint", "method"}),
    "outpack_server_metadata_total": ("gauge", set()),
    "outpack_server_packets_total": ("gauge", set()),
    "outpack_server_files_total": ("gauge", set()),
    "outpack_server_file_size_bytes_total": ("gauge", set()),
    "outpack_server_build_info": ("gauge", {"version", "revision", "rustc"}),
}


def families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def value(text: str, sample_name: str, **labels) -> float:
    """The sample's value, 0 when there is none yet."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == sample_name and sample.labels == labels:
                return sample.value
    return 0.0


def scrape(client, path="/outpack/metrics", **extra) -> str:
    response = client.get(path, **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.content.decode()


def assert_outpack_server_names(text: str) -> None:
    found = families(text)
    for name, (kind, labels) in OUTPACK_SERVER.items():
        assert found[name].type == kind, name
        for sample in found[name].samples:
            assert set(sample.labels) - {"le"} == labels, sample


def test_metrics_count_the_store_and_requests(client, example):
    before = scrape(client)
    client.get("/outpack/")
    text = scrape(client)
    assert value(text, "outpack_server_metadata_total") == 4
    assert value(text, "outpack_server_packets_total") == 1
    assert value(text, "outpack_server_files_total") == 1
    assert value(text, "outpack_server_file_size_bytes_total") == 115
    root = {"endpoint": "/", "method": "GET", "status": "200"}
    assert (
        value(text, "http_requests_total", **root)
        == value(before, "http_requests_total", **root) + 1
    )
    assert value(text, "http_requests_duration_seconds_count", **root) >= 1
    assert value(text, "http_requests_duration_seconds_bucket", **root, le="+Inf") >= 1
    assert value(text, "outpack_server_build_info", version="0.1.0", revision="", rustc="") == 1
    assert_outpack_server_names(text)


def test_the_whole_server_has_the_same_metrics_at_slash_metrics(client, example, cast):
    outpack, server = scrape(client), scrape(client, "/metrics")
    assert set(families(server)) == set(families(outpack))
    assert value(server, "reprostore_projects") == 2
    assert value(server, "reprostore_records") == 0
    assert value(server, "outpack_server_metadata_total") == 4
    assert value(server, "process_cpu_seconds_total") > 0


def test_sumatra_requests_are_counted_by_route_and_status(client, db):
    labels = {"protocol": "sumatra", "route": "records:project_list", "method": "GET"}
    refused = {**labels, "status": "401"}
    before = scrape(client, "/metrics")
    for _ in range(3):
        client.get("/records/", HTTP_ACCEPT="application/json")
    text = scrape(client, "/metrics")
    total = "reprostore_http_requests_total"
    assert value(text, total, **refused) == value(before, total, **refused) + 3
    count = "reprostore_http_request_duration_seconds_count"
    assert value(text, count, **labels) == value(before, count, **labels) + 3
    # Only outpack requests go into outpack_server's own metrics.
    assert not any(
        s.labels.get("endpoint", "").startswith("records:")
        for s in families(text)["http_requests"].samples
    )


@pytest.mark.parametrize(
    ("path", "method", "labels"),
    [
        ("/outpack/no/such/route/123", "get", {"protocol": "outpack", "route": "fallback"}),
        ("/metadata/list", "get", {"protocol": "outpack", "route": "misjoined"}),
        ("/static/no-such-file-123.css", "get", {"protocol": "other", "route": "static"}),
        ("/outpack/", "options", {"protocol": "outpack", "route": "/"}),
    ],
)
def test_labels_are_route_names_never_paths(client, example, path, method, labels):
    before = scrape(client, "/metrics")
    status = getattr(client, method)(path).status_code
    text = scrape(client, "/metrics")
    method = method.upper()
    key = {**labels, "method": method, "status": str(status)}
    assert (
        value(text, "reprostore_http_requests_total", **key)
        == value(before, "reprostore_http_requests_total", **key) + 1
    )
    label_values = {
        v for family in families(text).values() for s in family.samples for v in s.labels.values()
    }
    assert not any("123" in v for v in label_values)


def test_a_method_no_one_uses_is_labelled_other(client, example):
    client.generic("BREW", "/outpack/")
    text = scrape(client, "/metrics")
    assert value(text, "http_requests_total", endpoint="/", method="other", status="405") >= 1
    assert "BREW" not in text


def test_503_responses_are_counted_by_protocol(client, db):
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.urls import resolve

    from reprostore.lib.metrics import RequestMetricsMiddleware

    def unavailable(request):
        request.resolver_match = resolve(request.path_info)
        return HttpResponse(status=503)

    name = "reprostore_database_unavailable_total"
    before = scrape(client, "/metrics")
    RequestMetricsMiddleware(unavailable)(RequestFactory().put("/records/Locked/label/"))
    RequestMetricsMiddleware(unavailable)(RequestFactory().get("/health"))
    text = scrape(client, "/metrics")
    for protocol in ("sumatra", "other"):
        assert value(text, name, protocol=protocol) == value(before, name, protocol=protocol) + 1
    # tests/core/test_metrics_live.py makes a real one, with a lock that does not clear.


def test_lock_timeouts_are_recognised():
    import sqlite3

    import psycopg.errors
    from django.db import OperationalError

    from reprostore.lib.metrics import is_lock_timeout

    def django_error(cause):
        error = OperationalError(str(cause))
        error.__cause__ = cause
        return error

    assert is_lock_timeout("sqlite", django_error(sqlite3.OperationalError("database is locked")))
    assert not is_lock_timeout("sqlite", django_error(sqlite3.OperationalError("no such table")))
    lock = psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
    assert is_lock_timeout("postgresql", django_error(lock))
    other = psycopg.errors.UndefinedTable("no such table")
    assert not is_lock_timeout("postgresql", django_error(other))


# PostgreSQL takes its locks inside statements; only its timeouts are counted.
@pytest.mark.sqlite
def test_a_sqlite_write_transaction_times_its_wait_for_the_lock(client, transactional_db):
    # transactional_db: outside a test transaction, so that the write really opens one.
    from django.contrib.auth import get_user_model
    from django.db import connection

    from tests.conftest import PASSWORD

    assert connection.vendor == "sqlite"
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    name = "reprostore_database_lock_wait_seconds_count"
    before = scrape(client, "/metrics")
    response = client.put(
        "/records/Fresh/", b"{}", content_type="application/json", **basic_auth("root")
    )
    assert response.status_code == 201, response.content
    text = scrape(client, "/metrics")
    assert value(text, name, vendor="sqlite") > value(before, name, vendor="sqlite")


class TestScrapeAccess:
    def test_anyone_by_default(self, client, example):
        scrape(client, "/metrics")

    def test_user_needs_a_signed_in_user(self, client, example, cast, settings):
        settings.REPROSTORE_METRICS_AUTH = "user"
        response = client.get("/metrics")
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Basic")
        envelope = client.get("/outpack/metrics")
        assert envelope.status_code == 401
        assert envelope.json()["errors"][0]["error"] == "unauthorized"
        scrape(client, "/metrics", **basic_auth("bob"))
        scrape(client, "/outpack/metrics", **basic_auth("bob"))

    def test_superuser_needs_a_superuser(self, client, example, cast, settings):
        settings.REPROSTORE_METRICS_AUTH = "superuser"
        assert client.get("/metrics", **basic_auth("bob")).status_code == 403
        assert client.get("/outpack/metrics", **basic_auth("bob")).status_code == 403
        scrape(client, "/metrics", **basic_auth("root"))

    def test_a_bad_setting_names_itself(self, client, example, settings):
        from django.core.exceptions import ImproperlyConfigured

        from reprostore.lib.metrics import require_scrape_access

        settings.REPROSTORE_METRICS_AUTH = "everyone"
        with pytest.raises(ImproperlyConfigured, match="REPROSTORE_METRICS_AUTH"):
            require_scrape_access(None)

    def test_outpack_metrics_also_follow_the_outpack_access_policy(self, client, example, settings):
        settings.REPROSTORE_OUTPACK_ANONYMOUS = "none"
        assert client.get("/outpack/metrics").status_code == 401
        scrape(client, "/metrics")
