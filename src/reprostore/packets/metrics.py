"""Prometheus metrics for `/metrics`, in the names outpack_server uses.

Request metrics are kept per process: with several gunicorn workers a scrape sees the worker
that answered it. The store metrics are counted from disk at scrape time, as outpack_server does.
"""

import contextlib
import os
import threading
import time
from collections import defaultdict

from reprostore import __version__ as VERSION

CONTENT_TYPE = "text/plain; version=0.0.4"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_lock = threading.Lock()
_requests = defaultdict(int)
_durations = defaultdict(lambda: [0] * (len(BUCKETS) + 1) + [0.0])
_in_flight = defaultdict(int)


@contextlib.contextmanager
def in_flight(endpoint, method):
    with _lock:
        _in_flight[(endpoint, method)] += 1
    try:
        yield
    finally:
        with _lock:
            _in_flight[(endpoint, method)] -= 1


def observe(endpoint, method, status, started):
    elapsed = time.perf_counter() - started
    key = (endpoint, method, str(status))
    with _lock:
        _requests[key] += 1
        counts = _durations[key]
        for i, bound in enumerate(BUCKETS):
            if elapsed <= bound:
                counts[i] += 1
        counts[len(BUCKETS)] += 1
        counts[-1] += elapsed


def render(store_counts):
    """The exposition text; `store_counts` maps the outpack_server_* gauge names to values."""
    lines = []
    with _lock:
        lines += request_lines()
    for name, (help_text, value) in store_counts.items():
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
    lines += [
        "# HELP outpack_server_build_info Build information",
        "# TYPE outpack_server_build_info gauge",
        f'outpack_server_build_info{{version="{VERSION}",revision="",rustc=""}} 1',
    ]
    lines += process_lines()
    return "\n".join(lines) + "\n"


def request_lines():
    lines = [
        "# HELP http_requests_total Number of HTTP requests",
        "# TYPE http_requests_total counter",
    ]
    for (endpoint, method, status), count in sorted(_requests.items()):
        lines.append(f"http_requests_total{{{labels(endpoint, method, status)}}} {count}")
    name = "http_requests_duration_seconds"
    lines += [f"# HELP {name} HTTP request duration", f"# TYPE {name} histogram"]
    for (endpoint, method, status), counts in sorted(_durations.items()):
        base = labels(endpoint, method, status)
        for bound, count in zip((*map(str, BUCKETS), "+Inf"), counts, strict=False):
            lines.append(f'{name}_bucket{{{base},le="{bound}"}} {count}')
        lines.append(f"{name}_sum{{{base}}} {counts[-1]}")
        lines.append(f"{name}_count{{{base}}} {counts[len(BUCKETS)]}")
    lines += [
        "# HELP http_requests_in_flight Requests being handled",
        "# TYPE http_requests_in_flight gauge",
    ]
    for (endpoint, method), count in sorted(_in_flight.items()):
        lines.append(f'http_requests_in_flight{{endpoint="{endpoint}",method="{method}"}} {count}')
    return lines


def labels(endpoint, method, status):
    return f'endpoint="{endpoint}",method="{method}",status="{status}"'


def process_lines():
    """The standard process_* metrics, from /proc where there is one."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return []
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    values = {
        "process_cpu_seconds_total": ("counter", cpu),
        "process_resident_memory_bytes": ("gauge", rss),
        "process_open_fds": ("gauge", len(os.listdir("/proc/self/fd"))),
    }
    lines = []
    for name, (kind, value) in values.items():
        lines += [f"# TYPE {name} {kind}", f"{name} {value}"]
    return lines
