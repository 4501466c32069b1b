"""Real `reprostore serve` processes for tests that talk HTTP, as clients do."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tests.support import databases

REPO = Path(__file__).resolve().parents[2]
SITECUSTOMIZE = Path(__file__).resolve().parent / "sitecustomize"


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants, from /proc."""
    pids, index = [pid], 0
    while index < len(pids):
        for task in Path(f"/proc/{pids[index]}/task").glob("*"):
            with contextlib.suppress(OSError, ValueError):
                pids += [int(child) for child in (task / "children").read_text().split()]
        index += 1
    return pids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reprostore(*args, root: Path, database_url: str | None, input: str | None = None, check=True):
    """Run the reprostore command against a store, as a user would."""
    env = dict(os.environ, REPROSTORE_ROOT=str(root))
    env.pop("REPROSTORE_SECRET_KEY", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if database_url:
        env["REPROSTORE_DATABASE_URL"] = database_url
    else:
        env.pop("REPROSTORE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "reprostore", *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        check=check,
    )


class LiveServer:
    """`reprostore serve` on a free port; up once gunicorn says it listens and /health answers."""

    def __init__(
        self, root: Path, database_url: str | None, workers: int = 2, extra_env: dict | None = None
    ):
        self.root = root
        self.database_url = database_url
        env = dict(os.environ, REPROSTORE_ROOT=str(root))
        for name in ("REPROSTORE_SECRET_KEY", "DJANGO_SETTINGS_MODULE", "REPROSTORE_DATABASE_URL"):
            env.pop(name, None)
        if database_url:
            env["REPROSTORE_DATABASE_URL"] = database_url
        env.update(extra_env or {})
        # A port found free may be taken by another process before gunicorn binds it (parallel
        # test workers, other test runs): then gunicorn gives up, and we try another port.
        for _ in range(3):
            self.start(env, workers)
            if self.wait_until_up():
                return
        raise RuntimeError(f"no free port for the server: {self.log.read_text()}")

    def start(self, env: dict, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.root.parent / f"server-{self.port}.log"
        log = open(self.log, "w")  # noqa: SIM115 (the copier closes it)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reprostore",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self.listening = False
        self.news = threading.Event()  # listening, or the output ended
        self.copier = threading.Thread(target=self.copy_output, args=(log,), daemon=True)
        self.copier.start()

    def copy_output(self, log) -> None:
        """Copy the server's output to its log as it comes, noting when gunicorn listens: the
        `serve` command execs gunicorn, so the master's pid is the one we started."""
        listening = f"Listening at: {self.url} ({self.process.pid})"
        try:
            with log:
                for line in self.process.stdout:
                    log.write(line)
                    log.flush()
                    if listening in line:
                        self.listening = True
                        self.news.set()
        finally:
            self.news.set()

    def wait_until_up(self, timeout: float = 120) -> bool:
        """True once a worker answers /health; False if the port was taken; else an error."""
        deadline = time.monotonic() + timeout
        if not self.news.wait(timeout):
            self.stop()
            raise RuntimeError(f"server did not start: {self.log.read_text()}")
        if not self.listening:  # the output ended first: the server exited
            self.process.wait()
            if "Connection in use" in self.log.read_text():
                return False
            raise RuntimeError(f"server exited: {self.log.read_text()}")
        # The socket is bound: a request waits in its backlog until a worker has booted.
        try:
            response = requests.get(
                self.url + "/health", timeout=max(1.0, deadline - time.monotonic())
            )
        except requests.RequestException as error:
            self.stop()
            raise RuntimeError(f"server did not answer ({error}): {self.log.read_text()}") from None
        if response.status_code != 200:
            self.stop()
            raise RuntimeError(f"server is unhealthy: {response.text}\n{self.log.read_text()}")
        return True

    def command(self, *args, input: str | None = None, check=True):
        return reprostore(
            *args, root=self.root, database_url=self.database_url, input=input, check=check
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # The log is complete once the output ends (workers that outlive the master keep it open).
        self.copier.join(timeout=20)


def start_server(root: Path, workers: int = 2, extra_env: dict | None = None):
    """A server on a fresh store at `root`, on the database of this test run.

    Returns (server, cleanup)."""
    if databases.running_a_nodb_test:
        raise RuntimeError("a test marked nodb starts a live server, which uses the database")
    database_url = None
    if databases.test_database() == "postgres":
        database_url = databases.create_postgres_database()
    server = LiveServer(root, database_url, workers=workers, extra_env=extra_env)

    def cleanup():
        server.stop()
        if database_url:
            databases.drop_postgres_database_later(database_url)

    return server, cleanup


def run_commands(server: "LiveServer", *commands: tuple[list[str], str | None]) -> None:
    """Management commands for a server's store, each as `reprostore ARGS` with `stdin` would
    run it, in one process: one Django start-up, not one per command. Each is (args, stdin)."""
    script = (
        "import io, sys\n"
        "from django.core.management import call_command\n"
        f"for args, stdin in {list(commands)!r}:\n"
        "    sys.stdin = io.StringIO(stdin or '')\n"
        "    call_command(*args)\n"
    )
    server.command("shell", "-c", script)


def smt_environment(home: Path) -> dict:
    """Environment for `smt` subprocesses: no internet probe, a private HOME."""
    env = dict(os.environ, HOME=str(home))
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SITECUSTOMIZE)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    for name in ("DJANGO_SETTINGS_MODULE", "REPROSTORE_ROOT", "REPROSTORE_DATABASE_URL"):
        env.pop(name, None)
    return env


def add_users(server: "LiveServer", users: dict[str, str], grants=()) -> None:
    """Create users (name → password) and grants (user, project, level) in one command."""
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from reprostore.records.models import Project\n"
        "from reprostore.records.operations import do_grant\n"
        f"for name, password in {users!r}.items():\n"
        "    get_user_model().objects.create_user(name, password=password)\n"
        f"for user, project, level in {list(grants)!r}:\n"
        "    p, _ = Project.objects.get_or_create(name=project)\n"
        "    do_grant(None, p, get_user_model().objects.get(username=user), level)\n"
    )
    server.command("shell", "-c", script)
