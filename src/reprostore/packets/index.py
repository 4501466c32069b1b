"""Keeping the database index in step with the outpack root on disk.

Other tools (pyorderly, orderly, rsync) write into the root while the server runs, so before a
listing the server compares the directory listings with the index and reads only the files that
are new. That comparison is itself skipped while no directory has changed (their mtimes) and is
throttled to once per `REPROSTORE_OUTPACK_SYNC_SECONDS` per process.
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q

from reprostore.lib.parameters import typed_value

from .errors import BrokenRoot
from .hashing import hash_bytes
from .ids import is_packet_id
from .location import entry_names, location_dirs, read_entry
from .metadata import read_stored_metadata
from .models import Packet, PacketDependency, PacketFile, PacketLocation, PacketParameter

logger = logging.getLogger(__name__)
# Names `metadata.check_name` refuses that a row of an older index may still have.
UNROUTABLE_NAME = Q(name__in=["", ".", ".."]) | Q(name__contains="/")
# A directory changed within this many seconds of its last look may change again without its
# mtime moving (coarse file system clocks), so it is listed again on the next sync.
RACY_SECONDS = 2.0


class SyncState:
    """What this process saw at its last sync, per root."""

    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = {}
        self.signatures = {}
        self.problems = {}


_state = SyncState()


def sync_index(root, *, force=False, log=True):
    """Bring the index up to date with the root, cheaply when nothing has changed.

    Returns the (path, message) of files that could not be indexed, when it looked at them;
    each is logged once as a warning unless `log` is false.
    """
    key = str(root.path)
    interval = float(getattr(settings, "REPROSTORE_OUTPACK_SYNC_SECONDS", 1.0))
    with _state.lock:
        if not force and time.monotonic() - _state.checked_at.get(key, -1e9) < interval:
            return []
        # Taken before reading, so a change made while we read shows up as a change next time.
        signature = directory_signature(root)
        problems = []
        if force or signature != _state.signatures.get(key) or is_racy(signature):
            problems = update_index(root)
        for path, message in problems:
            if log and _state.problems.get(path) != message:
                logger.warning("Not indexed: %s", message)
            _state.problems[path] = message
        _state.signatures[key] = signature
        _state.checked_at[key] = time.monotonic()
        return problems


def forget_sync_state():
    """Make the next `sync_index` look at the disk (tests; after a `reindex`)."""
    with _state.lock:
        _state.checked_at.clear()
        _state.signatures.clear()
        _state.problems.clear()


def directory_signature(root):
    dirs = [root.metadata_dir, root.location_dir]
    dirs += [root.location_dir / name for name in location_dirs(root)]
    return tuple((str(d), mtime(d)) for d in dirs)


def mtime(path):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def is_racy(signature):
    newest = max((m for _, m in signature if m is not None), default=0)
    return time.time() - newest / 1e9 < RACY_SECONDS


def update_index(root):
    """Add what is new on disk, drop what is gone; return files that can't be indexed."""
    return update_packets(root) + update_locations(root)


def update_packets(root):
    # Rows indexed before names were checked: a name the pages can't route broke every listing.
    # Without their rows, their metadata files are read again below and reported.
    Packet.objects.filter(UNROUTABLE_NAME).delete()
    on_disk = set(metadata_ids(root))
    indexed = set(Packet.objects.values_list("id", flat=True))
    Packet.objects.filter(id__in=indexed - on_disk).delete()
    problems = []
    for packet_id in sorted(on_disk - indexed):
        problem = index_metadata_file(root, packet_id)
        if problem:
            problems.append(problem)
    return problems


def metadata_ids(root):
    try:
        return [name for name in os.listdir(root.metadata_dir) if is_packet_id(name)]
    except FileNotFoundError:
        return []


def index_metadata_file(root, packet_id):
    path = root.metadata_dir / packet_id
    try:
        metadata, body = read_stored_metadata(path)
        add_packet(metadata, hash_bytes(body, root.core.hash_algorithm))
    except BrokenRoot as e:
        return str(path), e.message
    except (DatabaseError, ValueError) as e:
        return str(path), f"Metadata file '{path}' can't be indexed: {e}"
    return None


def add_packet(metadata, hash):
    """Index one packet with its files, dependencies and parameters (once; races are fine)."""
    try:
        with transaction.atomic():
            create_packet_rows(metadata, hash)
    except IntegrityError:
        # Another worker indexed it first; the file is immutable, so its rows are the same.
        # Any other integrity failure must not pass for that.
        if not Packet.objects.filter(id=metadata.id).exists():
            raise


def create_packet_rows(metadata, hash):
    packet = Packet.objects.create(
        id=metadata.id,
        name=metadata.name,
        hash=str(hash),
        time_start=metadata.time_start,
        time_end=metadata.time_end,
        parameters=metadata.parameters,
        custom=metadata.custom,
    )
    PacketFile.objects.bulk_create(
        PacketFile(packet=packet, path=f.path, hash=f.hash, size=f.size) for f in metadata.files
    )
    PacketDependency.objects.bulk_create(
        PacketDependency(packet=packet, depends_on=d.packet, query=d.query, position=i)
        for i, d in enumerate(metadata.depends)
    )
    PacketParameter.objects.bulk_create(
        PacketParameter(packet=packet, name=name, **typed_value(value))
        for name, value in (metadata.parameters or {}).items()
    )


def update_locations(root):
    on_disk = {(loc, pid) for loc in location_dirs(root) for pid in entry_names(root, loc)}
    indexed = {
        (loc, pid): pk
        for pk, loc, pid in PacketLocation.objects.values_list("pk", "location", "packet")
    }
    gone = [pk for key, pk in indexed.items() if key not in on_disk]
    PacketLocation.objects.filter(pk__in=gone).delete()
    problems = []
    for location, packet_id in sorted(on_disk - indexed.keys()):
        path = root.location_dir / location / packet_id
        try:
            add_location_entry(location, read_entry(path))
        except BrokenRoot as e:
            problems.append((str(path), e.message))
    return problems


def add_location_entry(location, entry):
    try:
        with transaction.atomic():
            PacketLocation.objects.create(
                location=location, packet=entry.packet, time=entry.time, hash=entry.hash
            )
    except IntegrityError:
        # First write wins on disk, so the row another worker made holds the same entry.
        pass


def reindex(root):
    """Rebuild the whole index from disk; returns the (path, message) of files left out."""
    with transaction.atomic():
        PacketLocation.objects.all().delete()
        Packet.objects.all().delete()
    forget_sync_state()
    return sync_index(root, force=True, log=False)


def location_listing(root):
    """Every location entry, for `/metadata/list`: locations in config order (unnamed ones
    last, by name), then packets by id."""
    position = {name: i for i, name in enumerate(root.locations)}
    rows = PacketLocation.objects.values_list("location", "packet", "time", "hash")
    rows = sorted(rows, key=lambda r: (position.get(r[0], len(position)), r[0], r[1]))
    return [{"packet": packet, "time": time, "hash": hash} for _, packet, time, hash in rows]


def packit_listing(root, known_since=None):
    """Every indexed packet for `/packit/metadata`, sorted by id.

    With `known_since`, only packets whose first entry in `/metadata/list` order is newer
    (strictly) than it: Packit passes the largest time it has seen to fetch what is new.
    """
    first_seen = {}
    for entry in location_listing(root):
        first_seen.setdefault(entry["packet"], entry["time"])
    packets = Packet.objects.order_by("id").values(
        "id", "name", "parameters", "time_start", "time_end", "custom"
    )
    return [
        {
            "id": p["id"],
            "name": p["name"],
            "parameters": p["parameters"],
            "time": {"start": p["time_start"], "end": p["time_end"]},
            "custom": p["custom"],
        }
        for p in packets
        if known_since is None or first_seen.get(p["id"], known_since) > known_since
    ]


def archive_candidates(root, hash_text):
    """(path, size) of archived copies of a file, for roots that keep files in a path archive."""
    if root.archive_dir is None:
        return []
    files = PacketFile.objects.filter(hash=hash_text).values_list(
        "packet__name", "packet_id", "path", "size"
    )
    return [(root.archive_path(name, pid, path), size) for name, pid, path, size in files]
