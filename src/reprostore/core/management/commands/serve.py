import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reprostore.core.store import (
    StoreError,
    check_database_placement,
    migrate_database,
    prepare_to_serve,
    sqlite_path,
)

# gevent workers give each connection a greenlet: clients that are idle, or that send a request
# a byte at a time, cost a little memory and no thread, so they can't stall the server. Threads
# (gthread) would each be held by one such client: 12 half-open connections stopped a 2-worker
# server. docs/deployment.md has the measurements.
WORKER_CLASSES = ("gevent", "gthread")
# PostgreSQL connections each gevent worker keeps (as many as a gthread worker's 4 threads used,
# and room for a few slow readers of long listings, which hold theirs while they read).
DB_POOL = 6


def default_workers() -> int:
    # gunicorn's rule of thumb, capped: each worker holds its own database connections.
    return min(2 * (os.cpu_count() or 1) + 1, 9)


class Command(BaseCommand):
    help = "Serve the store with gunicorn, creating and migrating it first if needed."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to bind (8000)")
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="gunicorn worker processes (default: 2 x CPUs + 1, at most 9)",
        )
        parser.add_argument(
            "--worker-class",
            choices=WORKER_CLASSES,
            default="gevent",
            help="gevent (default): a greenlet per connection, for clients that reach the server "
            "directly; gthread: a thread per request, behind a proxy that buffers requests",
        )
        parser.add_argument(
            "--connections",
            type=int,
            default=1000,
            help="connections each gevent worker holds at once (1000)",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (4)")
        parser.add_argument(
            "--access-log", action="store_true", help="log every request to standard error"
        )

    def handle(self, *args, **options):
        root = settings.REPROSTORE_ROOT
        try:
            check_database_placement(root, sqlite_path())
            description = prepare_to_serve(root)
        except StoreError as error:
            raise CommandError(str(error)) from error
        try:
            migrate_database()
        except StoreError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(description)
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/")
        self.stdout.flush()
        os.execvpe(sys.executable, self.gunicorn_argv(options), self.server_environ(options))

    def gunicorn_argv(self, options) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "reprostore.wsgi:application",
            # Hooks that let one scrape of /metrics count every worker (docs/metrics.md).
            "--config",
            "python:reprostore.core.gunicorn_conf",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--worker-class",
            options["worker_class"],
            *(
                # gevent's socket.sendfile is a loop of 8 KB sends, slower than gunicorn writing
                # the file in the large blocks the views ask for (lib/http.py file_response).
                ["--worker-connections", str(options["connections"]), "--no-sendfile"]
                if options["worker_class"] == "gevent"
                else ["--threads", str(options["threads"])]
            ),
            # Uploads of large files and record bursts take longer than gunicorn's 30 s default.
            "--timeout",
            "300",
            "--graceful-timeout",
            "30",
            # httplib2 (smt) reuses a connection for its next PUT and does not retry one that is
            # reset; a server closing an idle connection just as that PUT arrives failed jobs in
            # bursts (9 of 200 probes). Closing after each response removes the race (0 of 200).
            "--keep-alive",
            "0",
            # gunicorn's control socket lives at one path per user; servers of several stores
            # on one machine would fight over it, and nothing here uses it.
            "--no-control-socket",
        ]
        if options["access_log"]:
            argv += ["--access-logfile", "-"]
        return argv

    def server_environ(self, options) -> dict:
        environ = dict(os.environ)
        environ["REPROSTORE_ROOT"] = str(settings.REPROSTORE_ROOT)
        environ["REPROSTORE_DATABASE_URL"] = settings.REPROSTORE_DATABASE_URL
        environ.setdefault("DJANGO_SETTINGS_MODULE", "reprostore.settings")
        if options["worker_class"] == "gevent":
            # Greenlets share each worker's pool of PostgreSQL connections (lib/database.py).
            environ.setdefault("REPROSTORE_DB_POOL", str(DB_POOL))
        host = options["host"]
        if "REPROSTORE_ALLOWED_HOSTS" not in environ and host not in ("0.0.0.0", "::"):
            environ["REPROSTORE_ALLOWED_HOSTS"] = ",".join(settings.ALLOWED_HOSTS + [host])
        return environ
