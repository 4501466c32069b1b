"""Keeping the database index in step with the outpack root on disk.

Other tools (pyorderly, orderly, rsync) write into the root while the server runs, so before a
listing the server compares the directory listings with the index and reads only the files that
are new. That comparison is itself skipped while no directory has changed (their mtimes) and is
throttled to once per `REPROSTORE_OUTPACK_SYNC_SECONDS` per process.
"""

import contextlib
import functools
import itertools
import json
import logging
import multiprocessing
import os
import threading
import time
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Q

from reprostore.lib.parameters import typed_value
from reprostore.lib.rows import insert_rows

from .errors import BrokenRoot
from .hashing import hash_bytes
from .ids import is_packet_id
from .location import entry_names, location_dirs, read_entry
from .metadata import read_stored_metadata
from .models import (
    Packet,
    PacketDependency,
    PacketFile,
    PacketLocation,
    PacketParameter,
    listing_json,
)

logger = logging.getLogger(__name__)
# Names `metadata.check_name` refuses that a row of an older index may still have.
UNROUTABLE_NAME = Q(name__in=["", ".", ".."]) | Q(name__contains="/")
# A directory changed within this many seconds of its last look may change again without its
# mtime moving (coarse file system clocks), so it is listed again on the next sync.
RACY_SECONDS = 2.0
# Files read, and rows inserted, per batch when many are indexed at once; also the entries per
# chunk of `/metadata/list`.
BATCH = 2000
# Between two entries of `/metadata/list`: `json.dumps` of a list, as the listing always wrote.
ENTRY_SEPARATOR = ", "


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
    Packet.objects.filter(id__in=gone_from_disk(indexed - on_disk, root.metadata_dir)).delete()
    return index_metadata_files(root, sorted(on_disk - indexed))


def gone_from_disk(unlisted, directory, name=str):
    """Those of the `unlisted` rows whose file is really gone. A push through another server
    (or host) writes its files and then commits its rows: it may do both between our listing
    of the directory and our reading of the rows, and another host's listing may be older
    still (NFS caches directories), so a row is dropped only if its own file is missing now."""
    return [key for key in unlisted if not os.path.exists(os.path.join(directory, name(key)))]


def metadata_ids(root):
    try:
        return [name for name in os.listdir(root.metadata_dir) if is_packet_id(name)]
    except FileNotFoundError:
        return []


def update_locations(root):
    on_disk = {(loc, pid) for loc in location_dirs(root) for pid in entry_names(root, loc)}
    indexed = {
        (loc, pid): pk
        for pk, loc, pid in PacketLocation.objects.values_list("pk", "location", "packet")
    }
    unlisted = {key: pk for key, pk in indexed.items() if key not in on_disk}
    gone = gone_from_disk(unlisted, root.location_dir, lambda key: os.path.join(*key))
    PacketLocation.objects.filter(pk__in=[unlisted[key] for key in gone]).delete()
    return index_location_files(root, sorted(on_disk - indexed.keys()))


def no_progress(what, done, total):
    pass


def index_metadata_files(root, ids, progress=no_progress, read_all=map):
    """Index the metadata files of `ids`, BATCH at a time; returns the (path, message) of files
    that can't be indexed. `read_all` maps the reading of batches (`read_metadata_batch`) over
    them: `map`, or a process pool's `imap` (see `reindex`)."""
    read = functools.partial(read_metadata_batch, str(root.metadata_dir), root.core.hash_algorithm)
    problems, done = [], 0
    for packets, unreadable in read_all(read, batches(ids)):
        problems += unreadable + insert_packets(root, packets)
        done += len(packets) + len(unreadable)
        progress("metadata", done, len(ids))
    return problems


def index_location_files(root, keys, progress=no_progress, read_all=map):
    """Index the location entries of `keys`, (location, packet id) pairs, BATCH at a time."""
    read = functools.partial(read_location_batch, str(root.location_dir))
    problems, done = [], 0
    for rows, unreadable in read_all(read, batches(keys)):
        insert_location_rows(rows)
        problems += unreadable
        done += len(rows) + len(unreadable)
        progress("location", done, len(keys))
    return problems


def batches(items):
    return [items[start : start + BATCH] for start in range(0, len(items), BATCH)]


def read_metadata_batch(directory, algorithm, ids):
    """([PacketRows], [(path, message)]): the metadata files of `ids`, read, checked and made
    into rows. Plain values in and out, so that it can run in another process."""
    packets, problems = [], []
    for packet_id in ids:
        path = os.path.join(directory, packet_id)
        try:
            metadata, body = read_stored_metadata(path)
        except BrokenRoot as e:
            problems.append((path, e.message))
            continue
        packets.append(packet_rows(metadata, str(hash_bytes(body, algorithm))))
    return packets, problems


def read_location_batch(directory, keys):
    """([row], [(path, message)]): the PacketLocation rows of (location, packet id) pairs."""
    rows, problems = [], []
    for location, packet_id in keys:
        path = os.path.join(directory, location, packet_id)
        try:
            rows.append(location_row(location, read_entry(path)))
        except BrokenRoot as e:
            problems.append((path, e.message))
    return rows, problems


def insert_packets(root, packets):
    """Index packets, each given as its `packet_rows`; returns the (path, message) of those
    that can't be.

    One transaction (or savepoint) per batch. A packet the database refuses fails its whole
    batch, which is then indexed packet by packet, so that only that packet is left out.
    """
    try:
        with transaction.atomic():
            insert_packet_rows(packets)
        return []
    except (DatabaseError, ValueError):
        pass
    problems = []
    for rows in packets:
        try:
            add_packet_rows(rows)
        except (DatabaseError, ValueError) as e:
            path = root.metadata_dir / rows.id
            problems.append((str(path), f"Metadata file '{path}' can't be indexed: {e}"))
    return problems


def add_packet(metadata, hash):
    """Index one packet with its files, dependencies and parameters (once; races are fine)."""
    add_packet_rows(packet_rows(metadata, str(hash)))


def add_packet_rows(rows):
    try:
        with transaction.atomic():
            create_packet_rows(rows)
    except IntegrityError:
        # Another worker indexed it first; the file is immutable, so its rows are the same.
        # Any other integrity failure must not pass for that.
        if not Packet.objects.filter(id=rows.id).exists():
            raise


def create_packet_rows(rows):
    insert_packet_rows([rows])


class PacketRows(NamedTuple):
    """The index rows of one packet as plain column values, made where its metadata is read
    (possibly in another process, see `reindex`): its row (JSON columns as JSON text), and
    those of its files, dependencies and typed parameters."""

    id: str
    packet: tuple
    files: list
    dependencies: list
    parameters: list


def packet_rows(metadata, hash):
    parameters = []
    for name, value in (metadata.parameters or {}).items():
        typed = typed_value(value)
        parameters.append(
            (metadata.id, name, typed["kind"].value, typed["text"], typed["number"])
            + (typed["boolean"],)
        )
    return PacketRows(
        metadata.id,
        (metadata.id, metadata.name, hash, metadata.time_start, metadata.time_end)
        + (json_text(metadata.parameters), json_text(metadata.custom)),
        [(metadata.id, f.path, f.hash, f.size) for f in metadata.files],
        [(metadata.id, d.packet, d.query, i) for i, d in enumerate(metadata.depends)],
        parameters,
    )


def json_text(value):
    """A JSON column's value as the ORM stores it: None as SQL NULL, anything else encoded."""
    return None if value is None else json.dumps(value)


def insert_packet_rows(packets):
    """INSERT the rows of `packets` (PacketRows), a few hundred per statement and table."""
    files, dependencies, parameters = [], [], []
    for rows in packets:
        files += rows.files
        dependencies += rows.dependencies
        parameters += rows.parameters
    # Passed as text: PostgreSQL casts it to jsonb; SQLite keeps JSON as text.
    json_value = "%s::jsonb" if transaction.get_connection().vendor == "postgresql" else "%s"
    packet_values = ["%s"] * 5 + [json_value] * 2
    insert_rows(Packet, PACKET_COLUMNS, [rows.packet for rows in packets], packet_values)
    insert_rows(PacketFile, ("packet", "path", "hash", "size"), files)
    insert_rows(PacketDependency, ("packet", "depends_on", "query", "position"), dependencies)
    insert_rows(PacketParameter, PARAMETER_COLUMNS, parameters)


PACKET_COLUMNS = ("id", "name", "hash", "time_start", "time_end", "parameters", "custom")
PARAMETER_COLUMNS = ("packet", "name", "kind", "text", "number", "boolean")


def location_row(location, entry):
    return (location, entry.packet, entry.time, entry.hash) + (
        listing_json(entry.packet, entry.time, entry.hash),
    )


def insert_location_rows(rows):
    """INSERT PacketLocation rows (`location_row`), a few hundred per statement, or, when that
    fails because a server indexed some of them meanwhile, one by one."""
    try:
        with transaction.atomic():
            insert_rows(PacketLocation, LOCATION_COLUMNS, rows)
        return
    except IntegrityError:
        pass
    for row in rows:
        try:
            with transaction.atomic():
                insert_rows(PacketLocation, LOCATION_COLUMNS, [row])
        except IntegrityError:
            # First write wins on disk, so the row another worker made holds the same entry.
            pass


LOCATION_COLUMNS = ("location", "packet", "time", "hash", "listing_json")


def add_location_entry(location, entry):
    insert_location_rows([location_row(location, entry)])


def reindex(root, progress=no_progress, readers=0):
    """Rebuild the whole index from disk; returns the (path, message) of files left out.

    One transaction, so readers see the old index until the new one is whole, with rows
    inserted a batch at a time: packet by packet, with a commit each, 100,000 packets took
    minutes. With `readers`, that many other processes read and check the files (most of the
    work) while this one inserts. `progress(what, done, total)` is called as the files are
    read ("metadata" files, then "location" entries), for a progress bar.
    """
    ids = sorted(metadata_ids(root))
    keys = [(loc, pid) for loc in location_dirs(root) for pid in entry_names(root, loc)]
    # Starting processes costs more than reading a few batches.
    readers = readers if len(ids) + len(keys) > 4 * BATCH else 0
    with transaction.atomic(), reading_processes(readers) as read_all:
        clear_index()
        problems = index_metadata_files(root, ids, progress, read_all)
        problems += index_location_files(root, keys, progress, read_all)
    # Every process's next sync compares the disk with the new index, and so picks up what was
    # written while it was built.
    forget_sync_state()
    analyse_index()
    return problems


def analyse_index():
    """Fresh planner statistics on PostgreSQL: autovacuum would take a minute or more to notice
    a million new rows, and until then queries are planned for empty tables."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (Packet, PacketFile, PacketDependency, PacketParameter, PacketLocation):
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


@contextlib.contextmanager
def reading_processes(count):
    """A `map` over batches that runs in `count` forked processes (the builtin `map` for 0).

    The children only read files: they never touch the database connection they inherit, and
    leave with `os._exit` (multiprocessing's way), which closes nothing of it.
    """
    if count < 1:
        yield map
        return
    with multiprocessing.get_context("fork").Pool(count) as pool:
        yield pool.imap


def clear_index():
    """Every row of the index gone, children first, without loading a row into Python."""
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        for model in (PacketLocation, PacketParameter, PacketDependency, PacketFile, Packet):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def location_listing(root):
    """Every location entry, for `/metadata/list`: locations in config order (unnamed ones
    last, by name), then packets by id."""
    position = {name: i for i, name in enumerate(root.locations)}
    rows = PacketLocation.objects.values_list("location", "packet", "time", "hash")
    rows = sorted(rows, key=lambda r: (position.get(r[0], len(position)), r[0], r[1]))
    return [{"packet": packet, "time": time, "hash": hash} for _, packet, time, hash in rows]


def location_listing_json(root, packets=None):
    """The entries of `location_listing` as JSON text, in chunks of up to BATCH entries joined
    by ", ": the listing's `data` is "[" + the chunks joined by ", " + "]".

    Each entry is the text stored with its row (`PacketLocation.listing_json`): nothing is
    encoded per request, and memory stays flat however long the listing. `packets`, a Packet
    queryset, narrows the listing to its packets' entries. Stored ids have one fixed format,
    which every collation orders as Python does.
    """
    for location in indexed_locations(root):
        rows = PacketLocation.objects.filter(location=location)
        if packets is not None:
            rows = rows.filter(packet__in=packets.values("id"))
        if connections[rows.db].vendor == "postgresql":
            yield from cursor_chunks(rows)
        else:
            yield from joined_batches(rows)


def cursor_chunks(rows):
    """PostgreSQL: one query, read through a server-side cursor a batch at a time.

    Not a query per batch: without statistics (just after a reindex) PostgreSQL plans "the next
    2,000 after this id" as a sort of every later row, which made a listing quadratic.
    """
    texts = rows.order_by("packet").values_list("listing_json", flat=True)
    texts = texts.iterator(chunk_size=BATCH)
    while batch := list(itertools.islice(texts, BATCH)):
        yield ", ".join(batch)


def joined_batches(rows):
    """SQLite: batches of rows after the last id seen (the unique index on location and packet
    walks them in order), each joined into one string by the database, so that no row becomes
    a Python object and no statement stays open (holding back WAL checkpoints) while a slow
    client reads."""
    after = ""
    while True:
        batch = rows.filter(packet__gt=after).order_by("packet")
        batch = batch.values_list("packet", "listing_json")[:BATCH]
        connection = connections[batch.db]
        sql, params = batch.query.get_compiler(connection=connection).as_sql()
        if connection.Database.sqlite_version_info >= (3, 44):
            joined = "group_concat(listing_json, ', ' ORDER BY packet)"
        else:
            # Older SQLite has no ORDER BY in an aggregate. It concatenates the rows in the
            # order the subquery yields them, the order asked for: a subquery with a LIMIT is
            # run as it is written, never merged into the query around it.
            joined = "group_concat(listing_json, ', ')"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {joined}, MAX(packet) FROM ({sql}) AS batch", params)
            text, after = cursor.fetchone()
        if text is None:
            return
        yield text


def indexed_locations(root):
    """The locations the index has entries for, in the listing's order. Read by skipping from
    one location to the next in the unique index: a few lookups, not a scan of every row."""
    found, previous = [], None
    while True:
        rows = PacketLocation.objects.order_by("location").values_list("location", flat=True)
        following = (rows if previous is None else rows.filter(location__gt=previous)).first()
        if following is None:
            break
        found.append(following)
        previous = following
    position = {name: i for i, name in enumerate(root.locations)}
    return sorted(found, key=lambda name: (position.get(name, len(position)), name))


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
