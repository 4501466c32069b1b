"""Real `reprostore serve` processes for tests that talk HTTP, as clients do."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support import databases

REPO = Path(__file__).resolve().parents[2]
SITECUSTOMIZE = Path(__file__).resolve().parent / "sitecustomize"


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
    def __init__(
        self, root: Path, database_url: str | None, workers: int = 2, extra_env: dict | None = None
    ):
        self.root = root
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root.parent / f"server-{self.port}.log"
        env = dict(os.environ, REPROSTORE_ROOT=str(root))
        for name in ("REPROSTORE_SECRET_KEY", "DJANGO_SETTINGS_MODULE", "REPROSTORE_DATABASE_URL"):
            env.pop(name, None)
        if database_url:
            env["REPROSTORE_DATABASE_URL"] = database_url
        env.update(extra_env or {})
        with open(self.log, "w") as log:
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
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_until_up()

    def wait_until_up(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if requests.get(self.url + "/health", timeout=10).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or busy starting workers
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

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


def start_server(root: Path, workers: int = 2, extra_env: dict | None = None):
    """A server on a fresh store at `root`, on the database of this test run.

    Returns (server, cleanup)."""
    database_url = None
    if databases.test_database() == "postgres":
        database_url = databases.create_postgres_database()
    server = LiveServer(root, database_url, workers=workers, extra_env=extra_env)

    def cleanup():
        server.stop()
        if database_url:
            databases.drop_postgres_database(database_url)

    return server, cleanup


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
