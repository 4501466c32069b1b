"""Several servers, one store (issue 13): instances on one PostgreSQL database and one root,
behind nginx (tests/support/cluster.py), stay one store; and SQLite is refused where another host
could share it (docs/scaling.md)."""

import base64
import functools
import hashlib
import os
import re
import secrets
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from pyorderly.outpack.init import outpack_init
from pyorderly.outpack.location import outpack_location_add
from pyorderly.outpack.location_push import outpack_location_push
from pyorderly.run import orderly_run
from sumatra.recordstore import serialization
from sumatra.recordstore.http_store import HttpRecordStore

from reprostore.core import store
from reprostore.lib import filesystems
from reprostore.packets import index, operations, temporary
from reprostore.packets.files import put_file
from reprostore.packets.models import Packet, PacketLocation
from reprostore.packets.root import init_root, open_root
from tests.packets.conftest import packet_metadata, sha256
from tests.packets.test_pyorderly import make_orderly_root, run_reports
from tests.support import databases
from tests.support.cluster import Cluster
from tests.support.records import record_document
from tests.support.server import add_users

PASSWORD = "several-servers-pass"
USERS = ("alice", "carol", "dora", "erin")
JSON = {"Accept": "application/json"}


def basic(user: str, password: str = PASSWORD) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def shell(cluster, script: str) -> str:
    """Change the store as any instance would: the one database all of them read."""
    return cluster.command("shell", "-c", script).stdout


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Three instances (one worker each, so that a request to one reaches the same process
    every time) on a fresh PostgreSQL database and an outpack root reprostore has not seen:
    they start at once, so they migrate the database and make the secret key together."""
    root = tmp_path_factory.mktemp("cluster") / "store"
    outpack_init(root, use_file_store=True, require_complete_tree=True, path_archive=None)
    database_url = databases.create_postgres_database()
    # A sync on every listing, so that listings race pushes as often as they can.
    cluster = Cluster(
        root,
        database_url,
        instances=3,
        workers=1,
        extra_env={"REPROSTORE_OUTPACK_SYNC_SECONDS": "0"},
    )
    add_users(
        cluster.servers[0],
        dict.fromkeys(USERS, PASSWORD),
        grants=[("alice", "Shared", "admin"), ("carol", "Shared", "write")],
    )
    for user in ("alice", "carol", "erin"):
        cluster.command("grant", user, "--packets", "write")
    yield cluster
    cluster.stop()
    databases.drop_postgres_database_later(database_url)


def count_rows(cluster, table: str, packet_id: str) -> int:
    column = {"packets_packet": "id", "packets_packetfile": "packet_id"}.get(table, "packet")
    url = cluster.database_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url) as connection:
        query = f"SELECT count(*) FROM {table} WHERE {column} = %s"  # noqa: S608 (our names)
        return connection.execute(query, (packet_id,)).fetchone()[0]


def new_packet_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(4)


def push_by_hand(url: str, user: str, packet_id: str) -> requests.Response:
    """A push as pyorderly makes it: the file, then the metadata."""
    data = f"result of {packet_id}\n".encode()
    requests.post(f"{url}/outpack/file/{sha256(data)}", data=data, headers=basic(user), timeout=60)
    body = packet_metadata(packet_id, files={"result.txt": data})
    return requests.post(
        f"{url}/outpack/packet/{sha256(body)}", data=body, headers=basic(user), timeout=60
    )


def listed(server, path: str = "/outpack/metadata/list") -> list[str]:
    response = requests.get(server.url + path, headers=basic("alice"), timeout=60)
    response.raise_for_status()
    return [entry.get("packet") or entry["id"] for entry in response.json()["data"]]


@pytest.mark.postgres
def test_instances_started_at_once_share_the_database_and_the_secret_key(cluster):
    first, second, third = cluster.servers
    assert all(
        requests.get(s.url + "/health", timeout=30).status_code == 200 for s in cluster.servers
    )
    browser = requests.Session()
    page = browser.get(first.url + "/accounts/login/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    signed_in = browser.post(
        first.url + "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": "dora", "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302
    # The session and its hash are checked against one key: signed in on every instance.
    for server in (second, third):
        page = browser.get(server.url + "/account/tokens/", allow_redirects=False, timeout=30)
        assert page.status_code == 200 and "dora" in page.text


@pytest.mark.postgres
def test_a_packet_pushed_through_one_instance_is_listed_by_the_others_within_a_second(
    cluster, tmp_path
):
    source = make_orderly_root(
        tmp_path / "orderly", use_file_store=True, require_complete_tree=True, path_archive=None
    )
    packet_id = orderly_run("data", parameters={"n": 4}, root=source)
    first = cluster.servers[0]
    url = first.url.replace("http://", f"http://alice:{PASSWORD}@", 1) + "/outpack/"
    outpack_location_add("first", "http", {"url": url}, root=source)
    outpack_location_push([packet_id], "first", root=source)
    pushed = time.monotonic()
    for server in cluster.servers[1:]:
        while packet_id not in listed(server):
            assert time.monotonic() - pushed < 1.0, f"{server.url} does not list it"
        assert packet_id in listed(server, "/outpack/packit/metadata")
        assert packet_id in listed(server, "/packit/api/outpack/metadata/list")
        page = requests.get(f"{server.url}/packets/data/", headers=basic("alice"), timeout=30)
        assert page.status_code == 200 and packet_id in page.text
    assert time.monotonic() - pushed < 5  # all of it, on a busy machine


@pytest.mark.postgres
def test_real_clients_through_the_balancer_reach_every_instance(cluster, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # httplib2 keeps its cache in ./.cache
    balanced = cluster.url.replace("http://", f"http://alice:{PASSWORD}@", 1)
    store = HttpRecordStore(balanced + "/records/")
    labels = [f"balanced-{i}" for i in range(6)]
    for label in labels:
        store.save("Balanced", serialization.build_record(record_document(label)))
    for server in cluster.servers:
        listing = requests.get(
            f"{server.url}/records/Balanced/", headers={**JSON, **basic("alice")}, timeout=30
        ).json()["records"]
        assert sorted(url.rstrip("/").rsplit("/", 1)[1] for url in listing) == labels

    source = make_orderly_root(
        tmp_path / "orderly", use_file_store=True, require_complete_tree=True, path_archive=None
    )
    ids = run_reports(source)
    outpack_location_add("balanced", "http", {"url": balanced + "/outpack/"}, root=source)
    log_before = len(cluster.balancer.access_log())
    outpack_location_push(ids[-1:], "balanced", root=source)  # with the packet it depends on
    for server in cluster.servers:
        assert set(ids[1:]) <= set(listed(server))
    # The push's requests (files, then metadata) went to more than one instance.
    answered_by = {line.split('"')[1] for line in cluster.balancer.access_log()[log_before:]}
    assert len(answered_by) > 1


def at_once(*calls) -> list:
    """Run the calls in threads released at the same moment; their results, in order."""
    results = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i):
        start.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def post(url: str, body: bytes) -> int:
    return requests.post(url, data=body, headers=basic("alice"), timeout=120).status_code


@pytest.mark.postgres
def test_the_same_file_uploaded_through_two_instances_at_once_is_one_whole_file(cluster):
    tmp = cluster.root / ".outpack" / "files" / "tmp"
    for round in range(4):
        data = os.urandom(3 * 1024 * 1024) + bytes([round])
        file_hash = sha256(data)
        # A third client sends other bytes under the same hash at the same moment.
        bodies = [data, data, data[:-1] + b"?"]
        answers = at_once(
            *(
                functools.partial(post, f"{server.url}/outpack/file/{file_hash}", body)
                for server, body in zip(cluster.servers, bodies, strict=True)
            )
        )
        assert answers == [200, 200, 400]
        digest = file_hash.split(":")[1]
        stored = cluster.root / ".outpack" / "files" / "sha256" / digest[:2] / digest[2:]
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
        assert stat.S_IMODE(stored.stat().st_mode) == 0o444
    assert [p.name for p in tmp.iterdir() if p.name.startswith("upload-")] == []


@pytest.mark.postgres
def test_a_packet_pushed_through_every_instance_at_once_is_indexed_once(cluster):
    for _ in range(5):
        packet_id = new_packet_id()
        data = f"result of {packet_id}\n".encode()
        assert post(f"{cluster.url}/outpack/file/{sha256(data)}", data) == 200
        body = packet_metadata(packet_id, files={"result.txt": data})
        answers = at_once(
            *(
                functools.partial(post, f"{server.url}/outpack/packet/{sha256(body)}", body)
                for server in cluster.servers
            )
        )
        assert answers == [200] * len(cluster.servers)
        assert count_rows(cluster, "packets_packet", packet_id) == 1
        assert count_rows(cluster, "packets_packetlocation", packet_id) == 1
        assert count_rows(cluster, "packets_packetfile", packet_id) == 1
        for server in cluster.servers:
            assert listed(server).count(packet_id) == 1


@pytest.mark.postgres
def test_an_acknowledged_packet_never_drops_out_of_another_instances_listing(cluster):
    """Each listing syncs the index with the disk while pushes through another instance write
    files and commit rows in between; no sync may take a pushed packet for a removed one."""
    acknowledged = {}  # packet id: when its push was answered
    done = threading.Event()

    def pushes():
        try:
            for _ in range(25):
                packet_id = new_packet_id()
                assert push_by_hand(cluster.servers[0].url, "erin", packet_id).status_code == 200
                acknowledged[packet_id] = time.monotonic()
        finally:
            done.set()

    pusher = threading.Thread(target=pushes)
    pusher.start()
    missing = []
    while not done.is_set():
        began = time.monotonic()
        for server in cluster.servers[1:]:
            seen = set(listed(server))
            missing += [p for p, t in list(acknowledged.items()) if t < began and p not in seen]
    pusher.join()
    assert len(acknowledged) == 25
    assert missing == []


@pytest.mark.postgres
def test_a_password_changed_on_one_instance_is_refused_by_the_others_at_once(cluster):
    # Each instance's only worker has the credentials in its cache.
    for server in cluster.servers:
        assert requests.get(server.url + "/records/", headers={**JSON, **basic("dora")}).ok
    shell(
        cluster,
        "from django.contrib.auth.models import User\n"
        "u = User.objects.get(username='dora'); u.set_password('changed-pass-word'); u.save()",
    )
    for server in cluster.servers:
        old = requests.get(server.url + "/records/", headers={**JSON, **basic("dora")})
        new = requests.get(
            server.url + "/records/", headers={**JSON, **basic("dora", "changed-pass-word")}
        )
        assert (old.status_code, new.status_code) == (401, 200)
    shell(
        cluster,
        "from django.contrib.auth.models import User\n"
        "User.objects.filter(username='dora').update(is_active=False)",
    )
    for server in cluster.servers:
        gone = requests.get(
            server.url + "/records/", headers={**JSON, **basic("dora", "changed-pass-word")}
        )
        assert gone.status_code == 401


@pytest.mark.postgres
def test_a_revoked_token_is_refused_by_every_instance_at_once(cluster):
    token = shell(
        cluster,
        "from django.contrib.auth.models import User\n"
        "from reprostore.accounts.tokens import do_issue_token\n"
        "print(do_issue_token(User.objects.get(username='erin'), 'script'))",
    ).split()[-1]
    bearer = {**JSON, "Authorization": f"Bearer {token}"}
    for server in cluster.servers:
        assert requests.get(server.url + "/outpack/metadata/list", headers=bearer).ok
    shell(
        cluster,
        "from reprostore.accounts.models import ApiToken\n"
        "ApiToken.objects.filter(user__username='erin').delete()",
    )
    for server in cluster.servers:
        assert (
            requests.get(server.url + "/outpack/metadata/list", headers=bearer).status_code == 401
        )


@pytest.mark.postgres
def test_a_grant_changed_through_one_instance_holds_on_the_others_at_once(cluster):
    first, second, third = cluster.servers
    document = record_document("granted-1")
    put = requests.put(
        f"{second.url}/records/Shared/granted-1/", json=document, headers={**JSON, **basic("carol")}
    )
    assert put.status_code in (200, 201)
    lowered = requests.post(
        f"{first.url}/records/Shared/permissions/",
        json={"user": "carol", "level": "read"},
        headers={**JSON, **basic("alice")},
    )
    assert lowered.status_code == 204
    refused = requests.put(
        f"{second.url}/records/Shared/granted-2/",
        json=record_document("granted-2"),
        headers={**JSON, **basic("carol")},
    )
    assert refused.status_code == 403
    readable = requests.get(f"{third.url}/records/Shared/", headers={**JSON, **basic("carol")})
    assert readable.status_code == 200
    # The packets too: a grant removed with `reprostore grant` on any host.
    assert requests.get(third.url + "/outpack/metadata/list", headers=basic("carol")).ok
    cluster.command("grant", "carol", "--packets", "none")
    for server in cluster.servers:
        response = requests.get(server.url + "/outpack/metadata/list", headers=basic("carol"))
        assert response.status_code in (401, 403, 404)


TAG_COUNT = re.compile(r'class="tag" [^>]*>([^<]+) <span class="count">(\d+)</span>')


def tag_counts(server, project: str) -> dict[str, int]:
    """The counts of the project page's tag filter (kept until the project's next write)."""
    page = requests.get(
        f"{server.url}/records/{project}/",
        headers={"Accept": "text/html", **basic("alice")},
        timeout=30,
    )
    assert page.status_code == 200
    return {name: int(count) for name, count in TAG_COUNT.findall(page.text)}


@pytest.mark.postgres
def test_tag_counts_and_plots_follow_writes_through_another_instance(cluster):
    first, second, third = cluster.servers
    headers = {**JSON, **basic("alice")}

    def put(server, label, tags):
        document = record_document(label, tags=["_finished_", *tags])
        response = requests.put(
            f"{server.url}/records/Cached/{label}/", json=document, headers=headers
        )
        assert response.status_code in (200, 201)

    def plotted(server) -> list[str]:
        response = requests.get(
            f"{server.url}/projects/Cached/plot/data/", headers=basic("alice"), timeout=30
        )
        assert response.status_code == 200, response.text
        return sorted(point["label"] for point in response.json()["points"])

    created = requests.put(
        f"{first.url}/records/Cached/", json={"name": "Cached", "description": ""}, headers=headers
    )
    assert created.status_code == 201
    put(first, "run-1", ["alpha"])
    assert tag_counts(second, "Cached") == {"_finished_": 1, "alpha": 1}
    assert plotted(second) == ["run-1"]
    put(third, "run-2", ["beta"])
    assert tag_counts(second, "Cached") == {"_finished_": 2, "alpha": 1, "beta": 1}
    assert plotted(second) == ["run-1", "run-2"]
    requests.delete(f"{first.url}/records/Cached/run-1/", headers=headers).raise_for_status()
    assert tag_counts(second, "Cached") == {"_finished_": 1, "beta": 1}
    assert plotted(second) == ["run-2"]


@pytest.mark.sqlite
def test_two_servers_on_one_host_share_a_sqlite_store(tmp_path):
    """On one host SQLite is shared by processes (a server's workers are); two servers too."""
    cluster = Cluster(tmp_path / "store", None, instances=2, workers=1)
    try:
        add_users(cluster.servers[0], {"alice": PASSWORD}, grants=[("alice", "Local", "admin")])
        cluster.command("grant", "alice", "--packets", "write")
        first, second = cluster.servers
        packet_id = new_packet_id()
        assert push_by_hand(first.url, "alice", packet_id).status_code == 200
        assert packet_id in listed(second)
        put = requests.put(
            f"{second.url}/records/Local/run-1/",
            json=record_document("run-1"),
            headers={**JSON, **basic("alice")},
            timeout=60,
        )
        assert put.status_code == 201
        got = requests.get(
            f"{first.url}/records/Local/run-1/", headers={**JSON, **basic("alice")}, timeout=60
        )
        assert got.status_code == 200 and got.json()["label"] == "run-1"
    finally:
        cluster.stop()


# One store, stale views of its directories: what a sync on another host may see.


@pytest.mark.django_db
def test_a_sync_from_an_old_directory_listing_keeps_a_packet_pushed_meanwhile(
    tmp_path, monkeypatch
):
    root = open_root(init_root(tmp_path / "root"))
    index.sync_index(root, force=True)
    before = {path: os.listdir(path) for path in (root.metadata_dir, root.location_dir / "local")}
    packet_id = new_packet_id()
    data = b"pushed through another server\n"
    put_file(root, sha256(data), _Body(data))
    body = packet_metadata(packet_id, files={"result.txt": data})
    operations.do_upload_packet(root, sha256(body), body)

    # The listing this server took just before that push committed (or an NFS client's
    # cached one): the directories as they were.
    real_listdir = os.listdir
    monkeypatch.setattr(
        os, "listdir", lambda path=".": before[path] if path in before else real_listdir(path)
    )
    index.sync_index(root, force=True)
    assert Packet.objects.filter(id=packet_id).exists()
    assert PacketLocation.objects.filter(packet=packet_id).exists()

    # A packet really removed from the disk still leaves the index.
    monkeypatch.undo()
    (root.location_dir / "local" / packet_id).unlink()
    (root.metadata_dir / packet_id).unlink()
    index.sync_index(root, force=True)
    assert not Packet.objects.filter(id=packet_id).exists()
    assert not PacketLocation.objects.filter(packet=packet_id).exists()


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def read(self, size: int = -1) -> bytes:
        chunk, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return chunk


# SQLite and network file systems

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
36 27 0:45 / /home rw,relatime shared:30 - nfs4 filer:/export/home rw,vers=4.2,hard,proto=tcp
37 27 0:46 / /scratch rw,relatime - lustre 10.1.0.1@o2ib:/scratch rw,flock
38 36 0:47 / /home/ann/local\\040disk rw,relatime - ext4 /dev/sdb1 rw
39 27 0:48 / /mnt/sshfs rw,nosuid - fuse.sshfs ann@host:/data rw,user_id=1000
40 27 0:49 / /var/lib/containers rw - fuse.fuse-overlayfs fuse-overlayfs rw
41 27 0:50 / /gpfs rw,relatime master:12 unbindable - gpfs gpfs0 rw
"""


@pytest.mark.nodb
@pytest.mark.parametrize(
    "path, fs_type, network",
    [
        ("/home/ann/store", "nfs4", True),
        ("/home/ann/local disk/store", "ext4", False),  # mounted inside the NFS home
        ("/scratch/group/store", "lustre", True),
        ("/mnt/sshfs/store", "fuse.sshfs", True),
        ("/var/lib/containers/store", "fuse.fuse-overlayfs", False),
        ("/gpfs/projects/store", "gpfs", True),
        ("/srv/store", "ext4", False),
        ("/", "ext4", False),
    ],
)
def test_the_file_system_of_a_path_is_found_in_the_mount_table(path, fs_type, network):
    found = filesystems.filesystem_type(path, MOUNTINFO)
    assert (found, filesystems.is_network_type(found)) == (fs_type, network)


@pytest.mark.nodb
def test_this_machines_own_mount_table_is_read():
    assert filesystems.filesystem_type("/proc/self") == "proc"


@pytest.mark.nodb
@pytest.mark.parametrize("place", ["home", "database"])
def test_sqlite_on_a_network_file_system_is_refused_in_one_line(settings, tmp_path, place):
    root = tmp_path / "store"
    database = root / ".reprostore" / "db.sqlite3"
    if place == "home":  # the root on the NFS home, the database on a local disk
        root, database = Path("/home/ann/store"), tmp_path / "db.sqlite3"
    else:
        root, database = tmp_path / "store", Path("/home/ann/store/db.sqlite3")
    with pytest.raises(store.StoreError) as refused:
        store.check_database_placement(root, database, MOUNTINFO)
    message = str(refused.value)
    assert "\n" not in message and "(nfs4)" in message
    assert "REPROSTORE_SQLITE_ON_NETWORK_FS=true" in message and "PostgreSQL" in message
    if place == "database":
        assert message.startswith(f"The SQLite database '{database}' is on a network file system")
    else:
        assert message.startswith(f"The root '{root}' is on a network file system")
        assert f"its SQLite database '{database}' is this host's alone" in message

    settings.REPROSTORE_SQLITE_ON_NETWORK_FS = True
    store.check_database_placement(root, database, MOUNTINFO)


@pytest.mark.nodb
def test_postgresql_and_local_disks_are_not_refused(tmp_path):
    store.check_database_placement(Path("/home/ann/store"), None, MOUNTINFO)
    store.check_database_placement(Path("/srv/store"), Path("/srv/store/db.sqlite3"), MOUNTINFO)
    # This machine's own mount table: the test's directory is on a local disk.
    store.check_database_placement(tmp_path, tmp_path / "db.sqlite3")


@pytest.mark.sqlite
def test_serve_refuses_sqlite_on_a_network_file_system(settings, tmp_path, monkeypatch):
    root = settings.REPROSTORE_ROOT
    # The test database lives in memory; serve is given a file, as a real store has.
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", str(root / "db.sqlite3"))
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(MOUNTINFO + f"90 27 0:60 / {root} rw - nfs filer:/x rw\n")
    monkeypatch.setattr(filesystems, "MOUNTINFO", mountinfo)

    def no_exec(*args):  # should the check let it through, don't replace pytest by gunicorn
        raise AssertionError("serve went on to start gunicorn")

    monkeypatch.setattr(os, "execvpe", no_exec)
    with pytest.raises(CommandError, match=r"is on a network file system \(nfs\)"):
        call_command("serve", "--port", "1")


# Temporary files of uploads, on a root several hosts write to

HOLDER = """\
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.mark.nodb
def test_an_upload_another_process_is_writing_is_never_removed_as_stale(tmp_path):
    root = open_root(init_root(tmp_path / "root"))
    upload = root.files_dir / "tmp" / "upload-otherhost-4242-abcdefgh"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"x" * 4096)
    # Untouched for two hours by this host's clock: a stalled client, or a writer whose clock
    # (or whose file server's) is behind ours.
    then = time.time() - 2 * 3600
    os.utime(upload, (then, then))
    writer = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(upload)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline() == "locked\n"
        assert temporary.remove_stale(root) == []
        assert upload.exists()
    finally:
        writer.kill()  # as `kill -9` of its server: the lock goes with the process
        writer.wait()
    assert [path for path, _ in temporary.remove_stale(root)] == [upload]
    assert not upload.exists()


@pytest.mark.nodb
def test_an_upload_names_its_host_and_process_and_locks_its_file(tmp_path):
    root = open_root(init_root(tmp_path / "root"))
    data = os.urandom(200_000)
    seen = []

    class Watched(_Body):
        def read(self, size=-1):
            if not seen:  # while the upload writes
                seen.extend((root.files_dir / "tmp").iterdir())
                seen.append(temporary.in_use(seen[0]))
            return super().read(size)

    assert put_file(root, sha256(data), Watched(data)) is True
    temp, locked = seen
    host = socket.gethostname()
    assert temp.name.startswith(f"upload-{host}-{os.getpid()}-") and locked is True
    assert not temp.exists()
    assert temporary.in_use(root.files_dir / "sha256" / "00") is False  # no such file
