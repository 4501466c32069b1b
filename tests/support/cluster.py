"""Several `reprostore serve` instances on one store, behind nginx: the multi-host deployment of
docs/scaling.md on one machine, with a port per instance standing in for a host.

Shared by tests/core/test_multi_instance.py and benchmarks/cluster.py. nginx (Debian's package)
runs unprivileged-style: its own configuration, pid file, logs and temporary directories in a
work directory. `BALANCER` is the part of its configuration a site would use as it is (with
its own hosts and TLS); `python -m tests.support.cluster` prints it, or starts a cluster to try.
"""

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.support.server import LiveServer, free_port, process_tree, reprostore

# The balancer: what docs/scaling.md shows. Placeholders: {servers} (one `server` line per
# instance), {listen}.
BALANCER = """\
upstream reprostore {{
    # Passive health checks: an instance that refuses a connection or fails a request is left
    # out for 10 s, then tried again.
{servers}
}}

server {{
    listen {listen};

    # Sumatra records: at most REPROSTORE_MAX_BODY (64 MB) on the server, which answers 413.
    client_max_body_size 64m;
    # Bodies are read whole before an instance is chosen (nginx's default): a slow client then
    # holds no worker, and a request can be sent again to another instance if the first dies.
    # Large uploads wait on this host's disk (client_body_temp_path) meanwhile.
    proxy_request_buffering on;

    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;

    # A host that is down is given up on quickly; a request may run as long as the server
    # lets it (gunicorn's --timeout 300).
    proxy_connect_timeout 2s;
    proxy_send_timeout 300s;
    proxy_read_timeout 300s;

    # If an instance dies, or can't be reached, the request goes to the next one: GET, HEAD,
    # PUT and DELETE (nginx's idempotent methods), and a POST only if it never reached the
    # first instance. Sumatra's PUT replaces a record with the document sent, so sending it
    # twice stores the same record (with one more revision of the same text). A 503 is passed
    # on: the instance did nothing, and the others share its database.
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 3;
    # Downloads are passed on as they come, not spooled to this host's disk; never compressed
    # (pyorderly checks the hash of the bytes it receives from /outpack/file/).
    proxy_max_temp_file_size 0;
    gzip off;

    location / {{
        proxy_pass http://reprostore;
    }}

    # Every outpack POST is safe to send twice (non_idempotent): /file/<hash> and
    # /packet/<hash> are named by the hash of their body and store it once (a second copy is
    # checked and dropped, the first write of metadata wins), and /packets/missing and
    # /files/missing only read. Files may be up to REPROSTORE_OUTPACK_MAX_FILE.
    location /outpack/ {{
        client_max_body_size 10g;
        proxy_next_upstream error timeout non_idempotent;
        proxy_pass http://reprostore;
    }}
    location /packit/api/outpack/ {{
        client_max_body_size 10g;
        proxy_next_upstream error timeout non_idempotent;
        proxy_pass http://reprostore;
    }}
}}
"""

SERVER_LINE = "    server {address} max_fails=1 fail_timeout=10s;"

# Running nginx from a work directory, as any user. The access log names the instance that
# answered each request ($upstream_addr lists every one tried: a retry shows as two).
UNPRIVILEGED = """\
{user}worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
daemon off;
events {{ worker_connections 1024; }}
http {{
    log_format upstreams '$request_method $request_uri $status "$upstream_addr" '
                         '"$upstream_status" $request_time';
    access_log {work}/access.log upstreams;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
{balancer}
}}
"""


def user_line() -> str:
    """Started as root, nginx runs its workers as `nobody`, who could not write the request
    bodies into the work directory: keep them as this user."""
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name};\n"


def balancer_config(listen: str, addresses: list[str]) -> str:
    servers = "\n".join(SERVER_LINE.format(address=address) for address in addresses)
    return BALANCER.format(servers=servers, listen=listen)


def indented(text: str) -> str:
    return "".join("    " + line if line.strip() else line for line in text.splitlines(True))


class Balancer:
    """nginx on a free 127.0.0.1 port in front of `addresses`."""

    def __init__(self, work: Path, addresses: list[str]):
        if not shutil.which("nginx"):
            raise RuntimeError("nginx is not installed: apt-get install -y nginx")
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # as LiveServer: a free port may be taken before nginx binds it
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            self.config = balancer_config(f"127.0.0.1:{self.port}", addresses)
            (work / "nginx.conf").write_text(
                UNPRIVILEGED.format(work=work, balancer=indented(self.config), user=user_line())
            )
            self.process = subprocess.Popen(
                ["nginx", "-c", str(work / "nginx.conf"), "-p", str(work)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            if self.wait_until_up():
                return
        raise RuntimeError(f"nginx could not bind a port: {self.error_log()}")

    def wait_until_up(self, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "Address already in use" in self.error_log():
                    return False
                raise RuntimeError(f"nginx exited: {self.error_log()}")
            try:
                requests.get(self.url + "/health", timeout=10)
                return True
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not answer: {self.error_log()}")

    def error_log(self) -> str:
        path = self.work / "error.log"
        return path.read_text() if path.exists() else ""

    def access_log(self) -> list[str]:
        path = self.work / "access.log"
        return path.read_text().splitlines() if path.exists() else []

    def retried(self) -> list[str]:
        """Access log lines of requests that were sent to more than one instance."""
        return [line for line in self.access_log() if ", " in line.split('"')[1]]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # nginx's fast shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Cluster:
    """`instances` servers on one root and one database, behind a Balancer.

    The instances start at once, as hosts of a cluster do after an upgrade (they must agree on
    the migrations and the secret key). `url` is the balancer's; `servers[i].url` reaches one
    instance directly.
    """

    def __init__(
        self,
        root: Path,
        database_url: str | None,
        instances: int = 3,
        workers: int = 2,
        extra_env: dict | None = None,
    ):
        self.root = root
        self.database_url = database_url
        root.parent.mkdir(parents=True, exist_ok=True)
        if not (root / ".outpack").exists():
            # Made once, before the instances start (docs/scaling.md): instances started at once
            # on an empty directory would each try to make the root.
            reprostore("init", root=root, database_url=database_url)
        with ThreadPoolExecutor(instances) as pool:
            starts = [
                pool.submit(LiveServer, root, database_url, workers, extra_env)
                for _ in range(instances)
            ]
            self.servers = []
            errors = []
            for start in starts:
                try:
                    self.servers.append(start.result())
                except Exception as error:  # noqa: BLE001 (stop the others, then report)
                    errors.append(error)
        if errors:
            self.stop_servers()
            raise errors[0]
        self.killed: set[int] = set()
        try:
            addresses = [f"127.0.0.1:{server.port}" for server in self.servers]
            self.balancer = Balancer(root.parent / "balancer", addresses)
        except Exception:
            self.stop_servers()
            raise
        self.url = self.balancer.url

    def command(self, *args, **kwargs):
        return self.servers[0].command(*args, **kwargs)

    def kill(self, index: int) -> list[int]:
        """`kill -9` every process of one instance at once, as when its host dies; the pids."""
        server = self.servers[index]
        pids = process_tree(server.process.pid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        server.process.wait()
        self.killed.add(index)
        return pids

    def live_servers(self) -> list[LiveServer]:
        return [s for i, s in enumerate(self.servers) if i not in self.killed]

    def stop_servers(self) -> None:
        threads = [threading.Thread(target=server.stop) for server in getattr(self, "servers", [])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def stop(self) -> None:
        self.balancer.stop()
        self.stop_servers()


def main() -> None:
    """Print the balancer configuration, or start a cluster until Ctrl-C."""
    import argparse
    import tempfile

    from tests.support import databases

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--print-config", action="store_true", help="print it and exit")
    parser.add_argument("--instances", type=int, default=3, help="instances (3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers each (2)")
    parser.add_argument("--root", type=Path, help="store root (default: a new temporary one)")
    parser.add_argument("--database", help="database URL (default: a new PostgreSQL database)")
    args = parser.parse_args()
    if args.print_config:
        hosts = [f"app{i}.example.org:8000" for i in range(1, args.instances + 1)]
        print(balancer_config("127.0.0.1:8080", hosts), end="")
        return
    root = args.root or Path(tempfile.mkdtemp(prefix="reprostore-cluster-")) / "store"
    database_url = args.database or databases.create_postgres_database()
    cluster = Cluster(root.resolve(), database_url, args.instances, args.workers)
    print(f"{args.instances} instances on {root} and {database_url}")
    for server in cluster.servers:
        print(f"  instance {server.url} (pid {server.process.pid}, log {server.log})")
    print(f"balancer {cluster.url} (work directory {cluster.balancer.work}); Ctrl-C stops")
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        signal.sigwait(stop_signals)
    finally:
        cluster.stop()
        if not args.database:
            databases.drop_postgres_database(database_url)


if __name__ == "__main__":
    sys.exit(main())
