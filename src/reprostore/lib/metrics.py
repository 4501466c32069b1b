"""Prometheus metrics for the whole server, counted in every worker and scraped as one.

Request metrics are counted by `RequestMetricsMiddleware`. Under `reprostore serve` each
gunicorn worker is a process of its own, so they are kept in prometheus_client's multiprocess
mode: every worker writes its counts to files in `PROMETHEUS_MULTIPROC_DIR` (one directory per
server start, see `reprostore.core.gunicorn_conf`), and a scrape answered by any worker adds up
the files of all of them. Without that variable (Django's test client, a host project that runs
the apps in one process) the counts live in this process, in a registry of our own.

Gauges that describe the store (packets, files, records) are computed at scrape time by the
collectors the apps register here (`register_collector`), so every worker reports the same.

The names outpack_server uses are kept, with their labels: `http_requests_total`,
`http_requests_duration_seconds` and `http_requests_in_flight` count requests to the outpack
API, labelled with outpack_server's route names (`/file/:hash`). The `reprostore_*` metrics
count every request of the server. docs/metrics.md lists them all.
"""

import logging
import os
import time
from contextlib import ExitStack

from django.conf import settings
from django.db import DatabaseError, connections
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.process_collector import ProcessCollector

from reprostore.lib.conf import METRICS_AUTH_LEVELS, setting
from reprostore.lib.env import parse_choice
from reprostore.lib.http import Forbidden, Unauthorized

log = logging.getLogger(__name__)

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Set by the gunicorn configuration in the server's master process; its workers inherit it.
SERVER_PID = "REPROSTORE_SERVER_PID"

# outpack_server's buckets (the Rust client's defaults), kept so that dashboards carry over.
OUTPACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Ours reach gunicorn's 300 s request timeout: uploads and large listings take minutes.
REQUEST_BUCKETS = OUTPACK_BUCKETS + (30.0, 60.0, 120.0, 300.0)
LOCK_BUCKETS = (0.001, 0.01, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The namespace of a resolved URL → the `protocol` label.
PROTOCOLS = {"packets": "outpack", "records": "sumatra", "web": "web", "admin": "admin"}


# The metrics objects live in our own registry, not prometheus_client's global one, so that a
# host project's own metrics (or another library's `http_requests_total`) never collide.
LOCAL = CollectorRegistry(auto_describe=True)

requests_total = Counter(
    "http_requests",
    "Total number of HTTP requests",
    ["endpoint", "method", "status"],
    registry=LOCAL,
)
requests_duration = Histogram(
    "http_requests_duration_seconds",
    "HTTP request duration in seconds for all requests",
    ["endpoint", "method", "status"],
    buckets=OUTPACK_BUCKETS,
    registry=LOCAL,
)
requests_in_flight = Gauge(
    "http_requests_in_flight",
    "Number of HTTP requests currently in-flight",
    ["endpoint", "method"],
    multiprocess_mode="livesum",
    registry=LOCAL,
)
server_requests = Counter(
    "reprostore_http_requests",
    "Requests answered, by protocol (outpack, sumatra, web, admin, other) and route",
    ["protocol", "route", "method", "status"],
    registry=LOCAL,
)
server_duration = Histogram(
    "reprostore_http_request_duration_seconds",
    "Seconds until the response was returned (for a streamed body: until it started)",
    ["protocol", "route", "method"],
    buckets=REQUEST_BUCKETS,
    registry=LOCAL,
)
unavailable = Counter(
    "reprostore_database_unavailable",
    "Requests answered 503: the database was down or a lock did not clear in time",
    ["protocol"],
    registry=LOCAL,
)
lock_timeouts = Counter(
    "reprostore_database_lock_timeouts",
    "SQL statements that gave up waiting for a lock (REPROSTORE_DB_TIMEOUT)",
    ["vendor"],
    registry=LOCAL,
)
lock_wait = Histogram(
    "reprostore_database_lock_wait_seconds",
    "SQLite only: seconds a transaction waited for the write lock (BEGIN IMMEDIATE), "
    "granted or not",
    ["vendor"],
    buckets=LOCK_BUCKETS,
    registry=LOCAL,
)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_DIR) or None


# Requests


def request_labels(request) -> tuple[str, str]:
    """(protocol, route) for a request: a bounded set of names, never the raw path.

    A view names itself with `metrics_endpoint` (lib.http.api_view: outpack_server's route
    names for the outpack API, `records:<url name>` for Sumatra); other views are named by
    their URL name, or their URL pattern when they have none.
    """
    match = getattr(request, "resolver_match", None)
    if match is None:
        static = getattr(settings, "STATIC_URL", None) or "/static/"
        return "other", "static" if request.path.startswith(static) else "unmatched"
    endpoint = getattr(match.func, "metrics_endpoint", None)
    protocol = next((PROTOCOLS[n] for n in match.namespaces if n in PROTOCOLS), None)
    if protocol is None:
        if endpoint is not None:
            # The outpack views mounted outside /outpack/ ("misjoined" paths).
            protocol = "sumatra" if endpoint.startswith("records:") else "outpack"
        else:
            protocol = "other"
    route = endpoint or (match.view_name if match.url_name else match.route)
    return protocol, route


def method_label(request) -> str:
    return request.method if request.method in METHODS else "other"


class RequestMetricsMiddleware:
    """Count every request, time it, and watch its SQL for lock waits.

    Put it first in MIDDLEWARE, so that it also counts the responses other middleware gives
    (static files, redirects, refused hosts). The counts are written before the response goes
    back, so a client that has had its answer is already counted in the next scrape.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # Series that exist from the start read 0 instead of being absent until the first
        # failure, so that alerts on `increase(...)` see the first one.
        for protocol in {*PROTOCOLS.values(), "other"}:
            unavailable.labels(protocol)
        for connection in connections.all():
            lock_timeouts.labels(connection.vendor)

    def __call__(self, request):
        started = time.perf_counter()
        request._metrics_in_flight = None
        try:
            with ExitStack() as stack:
                for connection in connections.all():
                    stack.enter_context(connection.execute_wrapper(watch_locks))
                response = self.get_response(request)
        finally:
            if request._metrics_in_flight is not None:
                requests_in_flight.labels(*request._metrics_in_flight).dec()
        observe(request, response.status_code, time.perf_counter() - started)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        protocol, route = request_labels(request)
        if protocol == "outpack":
            request._metrics_in_flight = (route, method_label(request))
            requests_in_flight.labels(*request._metrics_in_flight).inc()


def observe(request, status: int, seconds: float) -> None:
    protocol, route = request_labels(request)
    method = method_label(request)
    if protocol == "outpack":
        requests_total.labels(route, method, str(status)).inc()
        requests_duration.labels(route, method, str(status)).observe(seconds)
    server_requests.labels(protocol, route, method, str(status)).inc()
    server_duration.labels(protocol, route, method).observe(seconds)
    if status == 503:
        unavailable.labels(protocol).inc()


# Lock waits


def watch_locks(execute, sql, params, many, context):
    """An execute wrapper: count statements that timed out on a lock, and time SQLite's
    BEGIN IMMEDIATE, which is where a writer waits for the database's one write lock."""
    vendor = context["connection"].vendor
    started = time.perf_counter()
    try:
        result = execute(sql, params, many, context)
    except DatabaseError as error:
        if is_lock_timeout(vendor, error):
            lock_timeouts.labels(vendor).inc()
            if is_begin(vendor, sql):
                lock_wait.labels(vendor).observe(time.perf_counter() - started)
        raise
    if is_begin(vendor, sql):
        lock_wait.labels(vendor).observe(time.perf_counter() - started)
    return result


def is_begin(vendor: str, sql) -> bool:
    return vendor == "sqlite" and isinstance(sql, str) and sql.startswith("BEGIN")


def is_lock_timeout(vendor: str, error: Exception) -> bool:
    """SQLite's busy timeout ran out ("database is locked"), or PostgreSQL's lock_timeout did
    (SQLSTATE 55P03, lock_not_available)."""
    cause = error.__cause__ or error
    if vendor == "sqlite":
        return "locked" in str(cause)
    return getattr(cause, "sqlstate", None) == "55P03"


# Scraping

_collectors: dict[str, object] = {}


def register_collector(name: str, collector) -> None:
    """Add a collector (an object with `collect()` yielding metric families) to every scrape.

    The apps register theirs when they are ready; a name registered again replaces the first.
    """
    _collectors[name] = collector


class Guarded:
    """A collector that logs its failure and is left out, so one bad source (a database that
    is down, an unreadable store) never costs the scrape the other metrics."""

    def __init__(self, name, collector):
        self.name, self.collector = name, collector

    def collect(self):
        try:
            return list(self.collector.collect())
        except Exception as error:  # noqa: BLE001 - any failure: leave these metrics out
            log.warning("metrics: %s left out: %s", self.name, error)
            return []


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        MultiProcessCollector(registry)
        registry.register(ServerProcessCollector())
    else:
        registry.register(LOCAL)
        registry.register(ProcessCollector(registry=None))
    for name, collector in _collectors.items():
        registry.register(Guarded(name, collector))
    return registry


def exposition(accept: str | None = None) -> tuple[bytes, str]:
    """(body, content type) of a scrape: Prometheus text, or OpenMetrics if `accept` asks."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(scrape_registry()), content_type


class ServerProcessCollector:
    """process_* for the whole server under gunicorn: the master and its workers, summed.

    One worker's own figures would change with the worker that answers the scrape. CPU time,
    memory and open files are summed; the start time and the file limit are the master's.
    Without the gunicorn configuration (no server pid known) there are none.
    """

    SUMMED = frozenset(
        {
            "process_cpu_seconds",
            "process_virtual_memory_bytes",
            "process_resident_memory_bytes",
            "process_open_fds",
        }
    )

    def collect(self):
        master = os.environ.get(SERVER_PID)
        if not master:
            return []
        pids = [master, *children(master)]
        per_process = [
            list(ProcessCollector(pid=lambda p=p: p, registry=None).collect()) for p in pids
        ]
        families = per_process[0]
        for family in families:
            if family.name in self.SUMMED:
                total = sum(
                    sample.value
                    for others in per_process
                    for other in others
                    if other.name == family.name
                    for sample in other.samples
                )
                family.samples = [family.samples[0]._replace(value=total)]
        return families


def children(pid: str) -> list[str]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return f.read().split()
    except OSError:
        pass
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[1] == pid:
                        found.append(entry)
            except (OSError, IndexError):
                continue
    return found


# Who may scrape


def metrics_auth() -> str:
    # Our settings have checked it already; a host project's may not have.
    level = setting("REPROSTORE_METRICS_AUTH")
    return parse_choice("REPROSTORE_METRICS_AUTH", level, METRICS_AUTH_LEVELS)


def require_scrape_access(user) -> None:
    """Raise Unauthorized or Forbidden unless REPROSTORE_METRICS_AUTH lets `user` scrape."""
    level = metrics_auth()
    if level == "none":
        return
    if user is None or not user.is_authenticated:
        raise Unauthorized("Sign in to read the metrics (HTTP Basic or a bearer token)")
    if level == "superuser" and not user.is_superuser:
        raise Forbidden(f"User '{user.get_username()}' may not read the metrics")
