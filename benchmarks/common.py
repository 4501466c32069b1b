"""What every benchmark needs: the test helpers on sys.path, servers on fresh stores, tables.

Benchmarks start real `reprostore serve` processes with the helpers in tests/support, so that a
benchmark measures exactly what the live-server tests exercise.
"""

import argparse
import contextlib
import hashlib
import json
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support import databases  # noqa: E402
from tests.support.server import (  # noqa: E402, F401
    LiveServer,
    add_users,
    free_port,
    process_tree,
)

USER = "bench"
PASSWORD = "bench-pass-word"
DATABASES = ("sqlite", "postgres")


def switch_off_internet_probe() -> None:
    """Nothing may leave this machine: replace sumatra's probe of a public address in this
    process, before `sumatra.launch` imports it by name (see tests/support/sitecustomize)."""
    import sumatra.core

    sumatra.core.have_internet_connection = lambda: False
    if "sumatra.launch" in sys.modules:
        sys.modules["sumatra.launch"].have_internet_connection = lambda: False


def default_workers() -> int:
    from reprostore.core.management.commands.serve import default_workers as serve_default

    return serve_default()


def comma_list(cast=str):
    def parse(value: str) -> list:
        return [cast(item.strip()) for item in value.split(",") if item.strip()]

    return parse


def argument_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--databases",
        type=comma_list(),
        default=list(DATABASES),
        help="reprostore databases to run on (sqlite,postgres)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help=f"gunicorn workers of the server (serve's default here: {default_workers()})",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (stores and logs)"
    )
    parser.add_argument(
        "--gunicorn-args",
        default="",
        help="extra gunicorn options for the server, e.g. '--keep-alive 0' (GUNICORN_CMD_ARGS)",
    )
    return parser


def parse_arguments(parser: argparse.ArgumentParser) -> argparse.Namespace:
    args = parser.parse_args()
    if args.gunicorn_args:
        # gunicorn reads this variable itself; the servers inherit this process's environment.
        os.environ["GUNICORN_CMD_ARGS"] = args.gunicorn_args
    return args


def server_label(database: str, workers: int) -> str:
    extra = os.environ.get("GUNICORN_CMD_ARGS", "")
    return f"reprostore ({database}, {workers} workers{', ' + extra if extra else ''})"


@contextlib.contextmanager
def work_directory(keep: bool, prefix: str):
    if keep:
        path = Path(tempfile.mkdtemp(prefix=prefix))
        print(f"# working in {path} (kept)")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


@contextlib.contextmanager
def reprostore_server(database: str, directory: Path, workers: int, **environ):
    """A `reprostore serve` on a fresh store (and a fresh PostgreSQL database), with the
    benchmark user, who may push packets; stopped and dropped afterwards."""
    if database not in DATABASES:
        raise SystemExit(f"Unknown database '{database}': use sqlite or postgres")
    database_url = databases.create_postgres_database() if database == "postgres" else None
    directory.mkdir(parents=True, exist_ok=True)
    saved = {name: os.environ.get(name) for name in environ}
    os.environ.update(environ)
    try:
        server = LiveServer(directory / "store", database_url, workers=workers)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        add_users(server, {USER: PASSWORD})
        server.command("grant", USER, "--packets", "write")
        yield server
    finally:
        server.stop()
        if database_url:
            databases.drop_postgres_database(database_url)


def copy_tree(source: Path, destination: Path) -> None:
    import shutil

    shutil.copytree(source, destination, symlinks=True)


def warm_up(server: LiveServer, path: str, workers: int) -> None:
    """Requests enough for every worker to have connected and synced once, untimed."""
    session = requests.Session()
    session.auth = (USER, PASSWORD)
    for _ in range(2 * workers):
        session.get(server.url + path, timeout=600).raise_for_status()


class PeakMemory:
    """The largest resident size of any of `pids`, sampled in a thread while it runs."""

    def __init__(self, pids: list[int]):
        self.pids, self.peak, self.running = pids, 0, True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, *(rss_bytes(pid) for pid in self.pids))
            time.sleep(0.02)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return self.peak


def worker_pids(server: LiveServer) -> list[int]:
    """The gunicorn master (the `serve` process after its exec) and its workers."""
    return process_tree(server.process.pid)


def rss_bytes(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def postgres_backend_pids(server: LiveServer) -> list[int]:
    if not server.database_url:
        return []
    import psycopg

    name = server.database_url.rsplit("/", 1)[1]
    with psycopg.connect(databases.postgres_admin_dsn(), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchall()
    return [pid for (pid,) in rows]


def analyze_postgres(server: LiveServer) -> None:
    if not server.database_url:
        return
    import psycopg

    dsn = server.database_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("ANALYZE")


def server_cpu_seconds(server: LiveServer) -> float:
    """CPU used by the gunicorn processes and the PostgreSQL backends serving this store. The
    machine is shared, so CPU per request is the figure that does not depend on its load
    (PostgreSQL backends that already closed are not counted)."""
    return sum(cpu_seconds(pid) for pid in worker_pids(server) + postgres_backend_pids(server))


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(value: float, baseline: float) -> str:
    if not baseline or value != value or baseline != baseline:
        return "-"
    return f"{value / baseline:.2f}x"


def print_table(headers: list[str], rows: list[list]) -> None:
    """A Markdown table, so that it can be pasted into docs/performance.md as it is."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    sys.stdout.flush()


def describe_machine() -> str:
    memory = ""
    with contextlib.suppress(OSError):
        kilobytes = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kilobytes / 1024**2:.0f} GB RAM"
    return (
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} cores{memory}; "
        f"{platform.platform()}; Python {platform.python_version()}"
    )


def print_load() -> None:
    """The machine is shared: the load average says how much else ran during the figures."""
    with contextlib.suppress(OSError):
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(f"# load average (1, 5, 15 min): {load}")
    sys.stdout.flush()


def print_header(title: str) -> None:
    # A benchmark started in the background ignores Ctrl-C; make `kill PID` stop its servers
    # and drop its databases on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    print(f"# {title}")
    print(f"# {describe_machine()}")
    print(f"# command: python {' '.join(sys.argv)}")
    print_load()
    sys.stdout.flush()


# Realistic Sumatra records: what a lab's store holds after a year of runs.
PROJECTS = ("ring-model", "cortex-sweep", "fit-2024", "thesis")
PARAMETER_NAMES = ("a", "b", "n", "seed", "dt", "name", "fast", "method", "tolerance", "steps")
TAGS = ("reviewed", "paper", "baseline", "bad-seed", "rerun", "fig3", "calibration")
PACKAGES = ("numpy", "scipy", "pandas", "matplotlib", "yaml", "h5py", "numba", "sklearn", "brian2")


def realistic_documents(count: int, seed: int = 5) -> list[tuple[str, dict]]:
    """`count` (project, record document) pairs shaped as sumatra 0.8.1 writes them, with varied
    labels, parameters (three formats), tags and sizes (a few hundred bytes to ~100 kB); the
    same for the same seed, so that processes can each rebuild their share."""
    import datetime
    import json
    import random

    from tests.support.records import record_document

    rng = random.Random(seed)
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    documents = []
    for index in range(count):
        stamp = start + datetime.timedelta(seconds=index * 3000 + rng.randrange(3000))
        label = f"{stamp:%Y%m%d-%H%M%S}-{index:05d}"
        values = random_parameters(rng)
        output_count = rng.choice((0, 1, 1, 2, 5, 20))
        documents.append(
            (
                PROJECTS[index % len(PROJECTS)],
                record_document(
                    label,
                    timestamp=f"{stamp:%Y-%m-%d %H:%M:%S%z}",
                    reason=rng.choice(("", "sweep", "check the fix for #12", "figure 3 rerun")),
                    duration=round(rng.lognormvariate(3, 2), 3),
                    main_file=rng.choice(("main.py", "run_model.py", "analysis/fit.py")),
                    version=f"{rng.getrandbits(160):040x}",
                    parameters=parameter_set(rng, values, json),
                    tags=["_finished_", *rng.sample(TAGS, rng.choice((0, 0, 1, 2, 3)))],
                    stdout_stderr=filler(rng, int(min(rng.lognormvariate(6.5, 1.5), 100_000))),
                    diff=filler(rng, rng.randrange(20_000)) if rng.random() < 0.15 else "",
                    output_data=[output_key(rng, label, i, stamp) for i in range(output_count)],
                    dependencies=[
                        dependency(rng, package)
                        for package in rng.sample(PACKAGES, rng.randrange(1, len(PACKAGES)))
                    ],
                ),
            )
        )
    return documents


def random_parameters(rng) -> dict:
    values = {}
    for name in rng.sample(PARAMETER_NAMES, rng.randrange(2, 8)):
        values[name] = {
            "a": rng.randrange(10),
            "b": round(rng.uniform(-1, 1), 4),
            "n": rng.choice((10, 100, 1000, 10000)),
            "seed": rng.randrange(2**31),
            "dt": rng.choice((0.1, 0.01, 0.001)),
            "name": rng.choice(("ring", "chain", "grid", "random")),
            "fast": rng.random() < 0.5,
            "method": rng.choice(("euler", "rk4", "exact")),
            "tolerance": rng.choice((1e-6, 1e-8)),
            "steps": rng.randrange(1, 10**6),
        }[name]
    return values


def parameter_set(rng, values: dict, json) -> dict:
    kind = rng.choice(("SimpleParameterSet", "SimpleParameterSet", "JSONParameterSet", "YAML"))
    if kind == "JSONParameterSet":
        return {"type": kind, "content": json.dumps(values, indent=2)}
    if kind == "YAML":
        lines = [f"{name}: {json.dumps(value)}" for name, value in values.items()]
        return {"type": "YAMLParameterSet", "content": "\n".join(lines) + "\n"}
    # SimpleParameterSet writes strings in double quotes and everything else as Python does.
    lines = [f"{name} = {simple_literal(value, json)}" for name, value in values.items()]
    return {"type": kind, "content": "\n".join(lines)}


def simple_literal(value, json) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


_FILLER = []


def filler(rng, size: int) -> str:
    """`size` characters of log-like text, cut from one 256 kB block made once."""
    if not _FILLER:
        words = ("step", "t=", "0.125", "converged", "loss", "WARNING", "done", "\n", "iter")
        block_rng = __import__("random").Random(0)
        _FILLER.append(" ".join(block_rng.choice(words) for _ in range(60_000)))
    block = _FILLER[0]
    size = min(size, len(block))
    offset = rng.randrange(len(block) - size + 1)
    return block[offset : offset + size]


def output_key(rng, label: str, index: int, stamp) -> dict:
    return {
        "path": f"{label}/out{index}.dat",
        "digest": f"{rng.getrandbits(160):040x}",
        "metadata": {"mimetype": None, "encoding": None, "size": rng.randrange(10**8)},
        "creation": f"{stamp:%Y-%m-%d %H:%M:%S%z}",
    }


def dependency(rng, package: str) -> dict:
    return {
        "name": package,
        "path": f"/usr/lib/python3/dist-packages/{package}",
        "version": f"{rng.randrange(1, 3)}.{rng.randrange(30)}.{rng.randrange(10)}",
        "module": "python",
        "diff": "",
        "source": None,
    }


# Packets
PACKET_NAMES = [f"report-{i}" for i in range(50)]
DISEASES = ("YF", "measles", "cholera")


def write_packets(root: Path, count: int, seed: int = 5, contents: int = 100) -> dict:
    """An outpack root (file store, complete tree) holding `count` unpacked packets, written
    directly as spec §1-2 lays them out, each with one small file out of `contents` distinct
    ones; returns {id: metadata}."""
    from pyorderly.outpack.init import outpack_init

    outpack_init(root, use_file_store=True, require_complete_tree=True, path_archive=None)
    rng = random.Random(seed)
    outpack = root / ".outpack"
    blobs = [f"result {i}\n".encode() * 20 for i in range(contents)]
    hashes = []
    for content in blobs:
        digest = hashlib.sha256(content).hexdigest()
        path = outpack / "files" / "sha256" / digest[:2] / digest[2:]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        hashes.append((f"sha256:{digest}", len(content)))
    (outpack / "location" / "local").mkdir(parents=True, exist_ok=True)
    start = 1_700_000_000
    packets = {}
    for index in range(count):
        stamp = start + index * 60
        packet_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(stamp)) + f"-{index:08x}"
        file_hash, size = hashes[index % len(hashes)]
        metadata = {
            "schema_version": "0.1.1",
            "name": PACKET_NAMES[index % len(PACKET_NAMES)],
            "id": packet_id,
            "time": {"start": stamp, "end": stamp + rng.uniform(1, 100)},
            "parameters": {
                "a": rng.randrange(10),
                "b": round(rng.uniform(0, 1), 3),
                "disease": rng.choice(DISEASES),
            },
            "files": [{"path": "result.txt", "size": size, "hash": file_hash}],
            "depends": [],
            "git": None,
            "custom": {"orderly": {"role": [], "artefacts": [], "description": {}}},
        }
        text = json.dumps(metadata, separators=(",", ":")).encode()
        (outpack / "metadata" / packet_id).write_bytes(text)
        entry = {
            "packet": packet_id,
            "time": stamp + 120.0,
            "hash": f"sha256:{hashlib.sha256(text).hexdigest()}",
        }
        (outpack / "location" / "local" / packet_id).write_text(json.dumps(entry))
        packets[packet_id] = metadata
    return packets


# "Today's code": the server as it was before a change, for baselines measured in the same run


# The commit before issue 13's performance work: what `--baseline-revision` runs by default.
BASELINE_REVISION = "562a1f3"


def add_baseline_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baseline-revision",
        default=BASELINE_REVISION,
        help=f"git revision whose code is the baseline ('today's code'; {BASELINE_REVISION})",
    )


@contextlib.contextmanager
def baseline_source(revision: str):
    """The `src/` tree of `revision`, exported (`git archive`, no work tree or checkout) into a
    temporary directory; put it first on PYTHONPATH to run that revision's reprostore with this
    virtualenv's packages."""
    import subprocess

    with tempfile.TemporaryDirectory(prefix="reprostore-baseline-") as name:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", revision, "src"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", name], input=archive, check=True)
        yield str(Path(name) / "src")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_reprostore(
    *args: str, root: Path, database_url: str, pythonpath: str | None = None
) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the command, stdout) of `reprostore ARGS` on a store; with
    `pythonpath`, the reprostore found there (a baseline revision) runs instead."""
    import resource
    import subprocess

    env = dict(os.environ, REPROSTORE_ROOT=str(root), REPROSTORE_DATABASE_URL=database_url)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "reprostore", *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    if done.returncode:
        raise SystemExit(f"reprostore {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return seconds, cpu, done.stdout


def fresh_database(database: str, directory: Path) -> tuple[str, object]:
    """(URL, drop function) of a new empty database: an SQLite file in `directory`, or a new
    PostgreSQL database."""
    if database == "sqlite":
        path = directory / f"db-{time.monotonic_ns()}.sqlite3"
        return f"sqlite:///{path}", lambda: [
            p.unlink(missing_ok=True) for p in path.parent.glob(path.name + "*")
        ]
    url = databases.create_postgres_database()
    return url, lambda: databases.drop_postgres_database(url)


def packet_root(directory: Path, count: int, reuse: Path | None = None) -> Path:
    """An outpack root of `count` packets (`write_packets`): `reuse/root-<count>` when that
    exists (written by an earlier run with `--roots`), else written into `directory`. Writing a
    million packets takes 5-20 minutes."""
    if reuse is not None:
        directory = reuse
        if (reuse / f"root-{count}.written").exists():
            print(f"# reusing {reuse / f'root-{count}'}", flush=True)
            return reuse / f"root-{count}"
    root = directory / f"root-{count}"
    began = time.monotonic()
    write_packets(root, count)
    (directory / f"root-{count}.written").touch()
    print(f"# wrote {count} packets into {root} in {time.monotonic() - began:.0f} s", flush=True)
    return root
