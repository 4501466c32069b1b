"""Several servers, one store: instances behind nginx, one killed with `kill -9` mid-burst.

`--instances` `reprostore serve` instances on one PostgreSQL database and one outpack root, behind
nginx (tests/support/cluster.py, the configuration docs/scaling.md shows). Through the balancer,
`--jobs` concurrent `smt run` jobs record into one project while `--pushes` concurrent pyorderly
pushes (each a packet and the packet it depends on) send their packets; when half of the pushes
have finished, every process of one instance is killed with SIGKILL. Then every
acknowledged record and packet is looked for:

- a record is acknowledged when its `smt run` exits 0; it is found when its label is in the
  project once, and complete when its document is the finished one. Its revisions are counted:
  a revision whose text repeats the one before is a request sent twice (a retry);
- a packet is acknowledged when its push exits 0; it is found when `/outpack/metadata/list`
  lists it once, the index holds one row of it, its metadata is byte for byte the pushed one,
  and each of its files is in the store with the right hash.

    python benchmarks/cluster.py [--instances 3] [--jobs 100] [--pushes 20] [--workers 2]
"""

import collections
import hashlib
import json
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import common
import psycopg
import requests

from tests.support import databases
from tests.support.cluster import Cluster
from tests.support.server import add_users
from tests.support.smt import SCRIPT_WITHOUT_DEPENDENCIES, SmtProject, smt_path

PROJECT = "cluster"
LOCATION = "cluster"

DATA_REPORT = """
import os, random
import pyorderly
p = pyorderly.parameters(i=0, size=1)
random.seed(p.i)
with open("data.bin", "wb") as f:
    f.write(random.randbytes(p.size))
with open("shared.txt", "w") as f:
    f.write("the same file in every push\\n")
pyorderly.artefact("Data", ["data.bin", "shared.txt"])
"""

SUMMARY_REPORT = """
import hashlib
import pyorderly
pyorderly.dependency(None, "latest(name == 'data')", {"input.bin": "data.bin"})
with open("summary.txt", "w") as f:
    f.write(hashlib.sha256(open("input.bin", "rb").read()).hexdigest() + "\\n")
pyorderly.artefact("Summary", ["summary.txt"])
"""

PUSH = """
import sys
from pyorderly.outpack.location_push import outpack_location_push
outpack_location_push(sys.argv[2:], "cluster", root=sys.argv[1])
"""


@dataclass
class Job:
    kind: str  # "record" or "push"
    name: str  # the record's label, or the push's source root
    process: subprocess.Popen
    output: Path
    packets: list[str] = field(default_factory=list)
    finished: float | None = None

    @property
    def acknowledged(self) -> bool:
        return self.process.returncode == 0


def prepare_pushes(directory: Path, count: int, size: int, url: str) -> list[tuple[Path, list]]:
    """`count` pyorderly roots, each with a `data` packet (`size` random bytes, and a file that
    every root shares) and a `summary` packet that depends on it; (root, [summary, data])."""
    from pyorderly.outpack.init import outpack_init
    from pyorderly.outpack.location import outpack_location_add
    from pyorderly.run import orderly_run

    roots = []
    for i in range(count):
        root = directory / f"orderly-{i:02d}"
        outpack_init(root, use_file_store=True, require_complete_tree=True, path_archive=None)
        for name, script in (("data", DATA_REPORT), ("summary", SUMMARY_REPORT)):
            (root / "src" / name).mkdir(parents=True)
            (root / "src" / name / f"{name}.py").write_text(textwrap.dedent(script))
        data = orderly_run("data", parameters={"i": i, "size": size}, root=root)
        summary = orderly_run("summary", root=root)
        outpack_location_add(LOCATION, "http", {"url": url}, root=root)
        roots.append((root, [summary, data]))
    return roots


def start_jobs(project: SmtProject, pushes, jobs: int, sleep: float, work: Path) -> list[Job]:
    started = []
    for i in range(jobs):
        label = f"job-{i:03d}"
        output = work / "logs" / f"{label}.log"
        process = subprocess.Popen(
            [
                smt_path(),
                "run",
                "--label",
                label,
                "default.param",
                f"a={i}",
                f"sleep={sleep}",
            ],
            cwd=project.directory,
            env=project.env,
            stdout=output.open("w"),
            stderr=subprocess.STDOUT,
        )
        started.append(Job("record", label, process, output))
        if i < len(pushes):  # the pushes start among the first jobs
            root, ids = pushes[i]
            output = work / "logs" / f"push-{i:02d}.log"
            process = subprocess.Popen(
                [sys.executable, "-c", PUSH, str(root), ids[0]],
                stdout=output.open("w"),
                stderr=subprocess.STDOUT,
            )
            started.append(Job("push", str(root), process, output, ids))
    return started


def wait_and_kill(cluster: Cluster, jobs: list[Job], began: float, timeout: float, kill: bool):
    """Wait for every job; kill instance 1 once half of the pushes (which take less time than
    the `smt run` jobs) have finished, so that the other pushes and most jobs are under way.
    The time of the kill (seconds after the start), or None."""
    killed_at = None
    deadline = began + timeout
    while any(job.finished is None for job in jobs):
        for job in jobs:
            if job.finished is None and job.process.poll() is not None:
                job.finished = time.monotonic() - began
        if kill and killed_at is None and half_finished(jobs):
            pids = cluster.kill(1)
            killed_at = time.monotonic() - began
            print(
                f"# killed instance 1 ({cluster.servers[1].url}, pids {pids}) with SIGKILL after "
                f"{killed_at:.1f} s, when {finished(jobs, 'push')} pushes and "
                f"{finished(jobs, 'record')} `smt run` jobs had finished",
                flush=True,
            )
        if time.monotonic() > deadline:
            for job in jobs:
                if job.finished is None:
                    job.process.kill()
        time.sleep(0.1)
    return killed_at


def finished(jobs: list[Job], kind: str) -> str:
    of_kind = [job for job in jobs if job.kind == kind]
    return f"{sum(job.finished is not None for job in of_kind)} of {len(of_kind)}"


def half_finished(jobs: list[Job]) -> bool:
    kind = "push" if any(job.kind == "push" for job in jobs) else "record"
    of_kind = [job for job in jobs if job.kind == kind]
    return sum(job.finished is not None for job in of_kind) >= len(of_kind) / 2


def database_rows(database_url: str, sql: str, *params) -> list[tuple]:
    url = database_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url) as connection:
        return connection.execute(sql, params).fetchall()


def count_records(cluster: Cluster, jobs: list[Job]) -> dict:
    """Acknowledged, found (once), complete, lost, duplicated records; revisions per record and
    revisions that repeat the text of the one before (requests sent twice)."""
    session = requests.Session()
    session.auth = (common.USER, common.PASSWORD)
    listing = session.get(
        f"{cluster.url}/records/{PROJECT}/", headers={"Accept": "application/json"}, timeout=300
    )
    listing.raise_for_status()
    labels = collections.Counter(
        url.rstrip("/").rsplit("/", 1)[1] for url in listing.json()["records"]
    )
    bodies = dict(
        database_rows(
            cluster.database_url,
            "SELECT r.label, r.body FROM records_record r JOIN records_project p "
            "ON p.id = r.project_id WHERE p.name = %s",
            PROJECT,
        )
    )
    revisions = collections.defaultdict(list)
    for label, body in database_rows(
        cluster.database_url,
        "SELECT v.label, v.body FROM records_revision v JOIN records_project p "
        "ON p.id = v.project_id WHERE p.name = %s ORDER BY v.id",
        PROJECT,
    ):
        revisions[label].append(body)
    acknowledged = [job.name for job in jobs if job.kind == "record" and job.acknowledged]
    found = [label for label in acknowledged if labels[label] == 1]
    complete = [label for label in found if is_complete(bodies.get(label))]
    repeats = {
        label: sum(a == b for a, b in zip(texts, texts[1:], strict=False))
        for label, texts in revisions.items()
    }
    return {
        "jobs": sum(job.kind == "record" for job in jobs),
        "acknowledged": len(acknowledged),
        "found": len(found),
        "complete": len(complete),
        "lost": len(acknowledged) - len(found),
        "duplicates": sum(count - 1 for count in labels.values() if count > 1),
        "revisions": collections.Counter(len(revisions[label]) for label in acknowledged),
        "repeated revisions": sum(repeats.values()),
        "unacknowledged but stored": sum(
            1 for job in jobs if job.kind == "record" and not job.acknowledged and labels[job.name]
        ),
    }


def is_complete(body: str | None) -> bool:
    if body is None:
        return False
    document = json.loads(body)
    return "_finished_" in document["tags"] and bool(document["platforms"])


def count_packets(cluster: Cluster, jobs: list[Job]) -> dict:
    """Acknowledged pushes' packets: found once in the listing and the index, with their
    metadata and every file intact."""
    session = requests.Session()
    session.auth = (common.USER, common.PASSWORD)
    listing = session.get(f"{cluster.url}/outpack/metadata/list", timeout=300)
    listing.raise_for_status()
    listed = collections.Counter(entry["packet"] for entry in listing.json()["data"])
    rows = collections.Counter(
        packet for (packet,) in database_rows(cluster.database_url, "SELECT id FROM packets_packet")
    )
    outpack = cluster.root / ".outpack"
    acknowledged = [job for job in jobs if job.kind == "push" and job.acknowledged]
    wanted = [(Path(job.name), packet) for job in acknowledged for packet in job.packets]
    found = files = good_files = 0
    for source, packet in wanted:
        metadata = (source / ".outpack" / "metadata" / packet).read_bytes()
        stored = outpack / "metadata" / packet
        if listed[packet] != 1 or rows[packet] != 1 or not stored.is_file():
            continue
        if stored.read_bytes() != metadata:
            continue
        intact = True
        for entry in json.loads(metadata)["files"]:
            files += 1
            digest = entry["hash"].split(":", 1)[1]
            path = outpack / "files" / "sha256" / digest[:2] / digest[2:]
            if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                good_files += 1
            else:
                intact = False
        found += intact
    return {
        "jobs": sum(job.kind == "push" for job in jobs),
        "acknowledged": len(acknowledged),
        "packets": len(wanted),
        "found": found,
        "lost": len(wanted) - found,
        "duplicates": sum(n - 1 for n in listed.values() if n > 1)
        + sum(n - 1 for n in rows.values() if n > 1),
        "files": f"{good_files}/{files}",
    }


def balancer_report(cluster: Cluster) -> list[str]:
    lines = cluster.balancer.access_log()
    retried = collections.Counter()
    statuses = collections.Counter()
    for line in lines:
        method, path, status = line.split(" ", 3)[:3]
        statuses[status] += 1
        upstreams, first_status = line.split('"')[1], line.split('"')[3].split(",")[0]
        if ", " in upstreams:
            kind = "/records/" if path.startswith("/records/") else path.split(":")[0]
            reason = "an error" if first_status == "502" else first_status
            retried[f"{method} {kind} after {reason}"] += 1
    return [
        f"# balancer: {len(lines)} requests; answers {dict(sorted(statuses.items()))}",
        "# sent again to another instance after the first failed (an error: the connection "
        "was refused or cut): "
        + (", ".join(f"{n} x {what}" for what, n in retried.most_common()) or "none"),
    ]


def failures(jobs: list[Job]) -> list[str]:
    reasons = collections.Counter()
    for job in jobs:
        if not job.acknowledged:
            lines = [line for line in job.output.read_text().splitlines() if line.strip()]
            reasons[f"{job.kind}: {(lines or ['no output'])[-1][:150]}"] += 1
    return [f"#   {n} x {reason}" for reason, n in reasons.most_common()]


def main() -> None:
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.set_defaults(workers=2, databases=["postgres"])
    parser.add_argument("--instances", type=int, default=3, help="server instances (3)")
    parser.add_argument("--jobs", type=int, default=100, help="concurrent `smt run` jobs (100)")
    parser.add_argument("--pushes", type=int, default=20, help="concurrent pyorderly pushes (20)")
    parser.add_argument("--sleep", type=float, default=3.0, help="seconds each job sleeps (3)")
    parser.add_argument("--file-mb", type=float, default=4, help="MB of each pushed packet (4)")
    parser.add_argument("--timeout", type=float, default=1800, help="bound on the burst (s)")
    parser.add_argument("--no-kill", action="store_true", help="kill no instance")
    args = common.parse_arguments(parser)
    if args.databases != ["postgres"]:
        raise SystemExit("Several servers share one store only on PostgreSQL (docs/scaling.md)")
    common.print_header(
        f"cluster: {args.instances} instances x {args.workers} workers behind nginx; "
        f"{args.jobs} `smt run` jobs and {args.pushes} pyorderly pushes at once"
        + ("" if args.no_kill else "; one instance killed with SIGKILL half-way")
    )
    with common.work_directory(args.keep, "cluster-") as work:
        (work / "logs").mkdir()
        database_url = databases.create_postgres_database()
        cluster = None
        try:
            started = time.monotonic()
            cluster = Cluster(work / "store", database_url, args.instances, args.workers)
            print(f"# {args.instances} instances up in {time.monotonic() - started:.1f} s")
            add_users(cluster.servers[0], {common.USER: common.PASSWORD})
            cluster.command("grant", common.USER, "--packets", "write")
            credentials = f"{common.USER}:{common.PASSWORD}@"
            base = cluster.url.replace("http://", "http://" + credentials, 1)
            pushes = prepare_pushes(
                work / "sources", args.pushes, int(args.file_mb * 1e6), base + "/outpack/"
            )
            project = SmtProject(
                work / "sim", base + "/records/", name=PROJECT, script=SCRIPT_WITHOUT_DEPENDENCIES
            )
            project.smt("run", "--label", "first", "default.param", "a=0", "sleep=0.2")
            print(f"# prepared {len(pushes)} pyorderly roots and the smt project", flush=True)

            began = time.monotonic()
            jobs = start_jobs(project, pushes, args.jobs, args.sleep, work)
            killed_at = wait_and_kill(cluster, jobs, began, args.timeout, not args.no_kill)
            wall = time.monotonic() - began
            print()
            common.print_load()
            records = count_records(cluster, jobs)
            packets = count_packets(cluster, jobs)
            report(args, records, packets, wall, killed_at, cluster, jobs)
        finally:
            if cluster is not None:
                cluster.stop()
            databases.drop_postgres_database(database_url)


def report(args, records: dict, packets: dict, wall: float, killed_at, cluster, jobs) -> None:
    revisions = ", ".join(f"{n} x {k}" for k, n in sorted(records["revisions"].items()))
    common.print_table(
        ["what", "jobs", "acknowledged", "found", "lost", "duplicates", "checked"],
        [
            [
                "records (`smt run`)",
                records["jobs"],
                records["acknowledged"],
                records["found"],
                records["lost"],
                records["duplicates"],
                f"{records['complete']} finished documents; revisions per record: {revisions}; "
                f"{records['repeated revisions']} repeated",
            ],
            [
                "packets (pyorderly push)",
                f"{packets['jobs']} pushes",
                f"{packets['acknowledged']} pushes, {packets['packets']} packets",
                packets["found"],
                packets["lost"],
                packets["duplicates"],
                f"metadata byte for byte; files with the right hash: {packets['files']}",
            ],
        ],
    )
    kill = "no instance killed" if killed_at is None else f"instance killed at {killed_at:.1f} s"
    print(f"# wall {wall:.1f} s ({kill}); load average {common.load_average()}")
    for line in balancer_report(cluster):
        print(line)
    temporary = list((cluster.root / ".outpack" / "files" / "tmp").glob("upload-*"))
    print(f"# temporary upload files left (cut off by the kill): {len(temporary)}")
    if records["unacknowledged but stored"]:
        print(f"# records stored whose job failed: {records['unacknowledged but stored']}")
    failed = failures(jobs)
    if failed:
        print("# jobs that failed, by their last line of output:")
        print("\n".join(failed))


if __name__ == "__main__":
    main()
