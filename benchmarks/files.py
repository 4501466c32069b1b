"""Files: upload and download of a 1 GB file through /outpack/file/<hash>.

Baseline: nginx (Debian's package) on loopback serving the same file (GET) and taking it with
the DAV module (PUT), the practical limit of HTTP on this machine. Both report MB/s (the median
of --repeat transfers) and the peak resident memory of the server's processes, sampled every
50 ms from /proc.

Every transfer starts after `sync`: a gigabyte written by the previous one is otherwise still
being written back to the disk, and the kernel slows the next writer down to the disk's speed,
so that whoever went second would be charged for whoever went first.

    python benchmarks/files.py [--size-mb 1024] [--repeat 3] [--databases sqlite,postgres]
"""

import hashlib
import os
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path

import common
import requests

CHUNK = 1024 * 1024
NGINX_CONFIG = """
user root;
worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/error.log;
daemon off;
events {{ worker_connections 64; }}
http {{
    access_log off;
    sendfile on;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {work}/www;
        client_max_body_size 0;
        location /upload/ {{ dav_methods PUT; create_full_put_path on; }}
    }}
}}
"""


class MemoryPeak:
    """Samples the summed RSS of a set of processes (found again at every sample, since servers
    start workers) and keeps the peak, and the peak of the largest single process."""

    def __init__(self, pids_of):
        self.pids_of = pids_of
        self.total = self.largest = 0
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while self.running:
            sizes = [common.rss_bytes(pid) for pid in self.pids_of()]
            self.total = max(self.total, sum(sizes))
            self.largest = max(self.largest, max(sizes, default=0))
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def make_file(path: Path, megabytes: int) -> str:
    """A file of random bytes; returns its outpack hash."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(megabytes):
            block = os.urandom(CHUNK)
            digest.update(block)
            out.write(block)
    return f"sha256:{digest.hexdigest()}"


def upload(session, url: str, path: Path, method: str, pids_of) -> tuple[float, MemoryPeak]:
    os.sync()
    with MemoryPeak(pids_of) as memory, path.open("rb") as body:
        began = time.perf_counter()
        response = session.request(method, url, data=body, timeout=3600)
        seconds = time.perf_counter() - began
    if not response.ok:
        raise SystemExit(f"{method} {url} failed: {response.status_code} {response.text[:300]}")
    return seconds, memory


def download(session, url: str, size: int, pids_of) -> tuple[float, MemoryPeak]:
    os.sync()
    with MemoryPeak(pids_of) as memory:
        began = time.perf_counter()
        received = 0
        with session.get(url, stream=True, timeout=3600) as response:
            response.raise_for_status()
            for chunk in response.iter_content(CHUNK):
                received += len(chunk)
        seconds = time.perf_counter() - began
    if received != size:
        raise SystemExit(f"GET {url} gave {received} bytes, expected {size}")
    return seconds, memory


def median_of(repeat: int, transfer, before=None) -> tuple[float, MemoryPeak]:
    """The median time of `repeat` runs of `transfer` and the largest memory peak among them."""
    times, peaks = [], []
    for _ in range(repeat):
        if before:
            before()
        seconds, memory = transfer()
        times.append(seconds)
        peaks.append(memory)
    return statistics.median(times), max(peaks, key=lambda memory: memory.total)


def row(server: str, what: str, size: int, seconds: float, memory: MemoryPeak, base=None):
    rate = size / 1e6 / seconds
    return [
        server,
        what,
        f"{seconds:.1f}",
        f"{rate:.0f}",
        f"{memory.total / 1e6:.0f}",
        f"{memory.largest / 1e6:.0f}",
        common.ratio(rate, base) if base else "-",
    ], rate


def measure_nginx(work: Path, path: Path, repeat: int, rows: list) -> tuple[float, float]:
    (work / "www").mkdir(parents=True)
    os.link(path, work / "www" / "big.bin")
    port = common.free_port()
    (work / "nginx.conf").write_text(NGINX_CONFIG.format(work=work, port=port))
    process = subprocess.Popen(
        ["nginx", "-c", str(work / "nginx.conf"), "-p", str(work)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url + "/big.bin", process)
        pids_of = lambda: common.process_tree(process.pid)  # noqa: E731
        size = path.stat().st_size
        session = requests.Session()
        seconds, memory = median_of(
            repeat, lambda: upload(session, url + "/upload/big.bin", path, "PUT", pids_of)
        )
        result, up = row("nginx", "upload (PUT)", size, seconds, memory)
        rows.append(result)
        seconds, memory = median_of(
            repeat, lambda: download(session, url + "/big.bin", size, pids_of)
        )
        result, down = row("nginx", "download (GET)", size, seconds, memory)
        rows.append(result)
        return up, down
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(url: str, process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("nginx exited; see its error.log")
        try:
            requests.head(url, timeout=5)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit(f"nginx did not answer at {url}")


def measure_reprostore(database, work, path, file_hash, args, rows, base_up, base_down):
    with common.reprostore_server(database, work, args.workers) as server:
        session = requests.Session()
        session.auth = (common.USER, common.PASSWORD)
        url = f"{server.url}/outpack/file/{file_hash}"
        pids_of = lambda: common.worker_pids(server)  # noqa: E731
        size = path.stat().st_size
        name = common.server_label(database, args.workers)
        algorithm, value = file_hash.split(":")
        stored = server.root / ".outpack" / "files" / algorithm / value[:2] / value[2:]
        seconds, memory = median_of(
            args.repeat,
            lambda: upload(session, url, path, "POST", pids_of),
            before=lambda: stored.unlink(missing_ok=True),  # each upload stores the file anew
        )
        rows.append(row(name, "upload (POST)", size, seconds, memory, base_up)[0])
        seconds, memory = median_of(args.repeat, lambda: download(session, url, size, pids_of))
        rows.append(row(name, "download (GET)", size, seconds, memory, base_down)[0])


def main() -> None:
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (1024)")
    parser.add_argument("--repeat", type=int, default=3, help="transfers of each kind (3)")
    args = common.parse_arguments(parser)
    if not shutil.which("nginx"):
        raise SystemExit("nginx is not installed: apt-get install -y nginx")
    common.print_header(f"files: one {args.size_mb} MiB file up and down")
    rows = []
    with common.work_directory(args.keep, "files-") as work:
        path = work / "big.bin"
        file_hash = make_file(path, args.size_mb)
        up, down = measure_nginx(work / "nginx", path, args.repeat, rows)
        for database in args.databases:
            measure_reprostore(database, work / database, path, file_hash, args, rows, up, down)
    print()
    common.print_load()
    common.print_table(
        [
            "server",
            "transfer",
            "seconds",
            "MB/s",
            "peak RSS, all processes MB",
            "peak RSS, largest process MB",
            "MB/s vs nginx",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
