"""gunicorn hooks for `reprostore serve` (`-c python:reprostore.core.gunicorn_conf`).

They give the workers one set of metrics (docs/metrics.md). prometheus_client's multiprocess
mode has every worker write its counts to files in PROMETHEUS_MULTIPROC_DIR, and a scrape adds
them up. The directory belongs to one server start:

- without PROMETHEUS_MULTIPROC_DIR, a new temporary directory is made, and removed at exit;
- with it, the prometheus_client files left in it by an earlier start are deleted first.

The variable must be set before prometheus_client is first imported in a worker (it chooses
how to keep values then), so it is set here in the master before any worker is forked, and
this module imports prometheus_client only inside the hook that runs when a worker has exited.

A worker that exits (restarted after a timeout, killed) keeps its counts in the directory, so
counters never go back; `mark_process_dead` drops its share of the gauges of live workers
(requests in flight).
"""

import glob
import os
import shutil
import tempfile

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
SERVER_PID = "REPROSTORE_SERVER_PID"  # read by reprostore.lib.metrics for the process metrics
OWNED_DIR = "REPROSTORE_METRICS_TEMP_DIR"  # the directory this server made, to remove at exit


def prepare_metrics_dir(environ) -> str:
    """Set up `environ[PROMETHEUS_MULTIPROC_DIR]` for a new server start; return the path."""
    path = environ.get(MULTIPROC_DIR)
    if path:
        os.makedirs(path, exist_ok=True)
        for stale in glob.glob(os.path.join(path, "*.db")):
            os.remove(stale)
    else:
        path = tempfile.mkdtemp(prefix="reprostore-metrics-")
        environ[MULTIPROC_DIR] = environ[OWNED_DIR] = path
    return path


def on_starting(server):
    # The master, once, before any worker exists.
    path = prepare_metrics_dir(os.environ)
    os.environ[SERVER_PID] = str(os.getpid())
    server.log.info("Metrics directory: %s", path)


def post_worker_init(worker):
    # The application (and so Django's settings) is loaded in the worker by now.
    from reprostore.core.store import hold_sqlite_wal_open

    hold_sqlite_wal_open()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    owned = os.environ.get(OWNED_DIR)
    if owned and owned == os.environ.get(MULTIPROC_DIR):
        shutil.rmtree(owned, ignore_errors=True)
