"""The work behind each outpack route, free of HTTP: inputs in, data out, errors raised.

Checks that decide whether a push may proceed read the disk (the truth); listings read the
index, synced first.
"""

import math
import os

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reprostore.lib import client_json
from reprostore.lib.conf import setting

from . import index, temporary
from .errors import BadRequest, BrokenRoot, OutpackError
from .files import (
    archived_copy,
    file_path,
    find_file,
    has_file,
    no_file_store_message,
    put_file,
    store_stats,
    touch,
)
from .hashing import check_algorithm, check_hash, hash_bytes, parse_hash
from .ids import check_not_ahead, parse_requested_id
from .location import LOCAL, LocationEntry, entry_path, has_entry, now, read_entry, write_entry
from .metadata import (
    checksum as metadata_checksum,
)
from .metadata import (
    metadata_path,
    parse_metadata,
    read_metadata_bytes,
    write_metadata,
)
from .root import RootError, open_root

SCHEMA_VERSION = "0.1.1"


def served_root():
    """The root this server serves, read afresh so that config changes (new locations) count."""
    try:
        return open_root(settings.REPROSTORE_ROOT)
    except RootError as e:
        raise OutpackError(500, "invalid root", str(e)) from None


def synced_root():
    root = served_root()
    index.sync_index(root)
    return root


def checksum(root, algorithm=None):
    return str(metadata_checksum(root, None if algorithm is None else check_algorithm(algorithm)))


def metadata_json(root, packet_id):
    body = read_metadata_bytes(root, packet_id)
    try:
        # Strictly: a file written before pushes were checked may hold 1e400, which would be
        # served as `Infinity`, JSON no client reads.
        return client_json.loads(body)
    except client_json.ClientJSONError as e:
        path = metadata_path(root, packet_id)
        raise BrokenRoot(f"Metadata file '{path}' is not valid JSON: {e}") from None


def parse_known_since(text):
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadRequest(f"Invalid known_since '{text}': expected seconds since 1970, a number")
    return value


def missing_packets(root, ids, unpacked):
    """The requested ids this root lacks (metadata, or with `unpacked` a `local` entry)."""
    wanted = dict.fromkeys(parse_requested_id(x) for x in ids)
    if unpacked:
        return [x for x in wanted if not has_entry(root, LOCAL, x)]
    return [x for x in wanted if not is_known(root, x)]


def is_known(root, packet_id):
    path = metadata_path(root, packet_id)
    return path is not None and path.is_file()


def missing_files(root, hashes):
    """The hashes, exactly as sent and in order, that this root can't serve a file for."""
    parsed = [parse_hash(h) for h in hashes]
    missing = [
        text for text, hash in zip(hashes, parsed, strict=True) if not can_serve(root, hash, text)
    ]
    # A push asks this before sending metadata that names the files it was told are here.
    for hash in parsed:
        if (path := file_path(root, hash)) is not None and path.is_file():
            touch(path)
    return missing


def can_serve(root, hash, text):
    """A file store holds every file of the root; without one, the path archive does."""
    if root.core.use_file_store:
        return has_file(root, hash)
    candidates = index.archive_candidates(root, text)
    return any(archived_copy(root, path, size, hash) for path, size in candidates)


def file_to_download(root, hash_text):
    if root.core.use_file_store:
        return find_file(root, hash_text)
    index.sync_index(root)
    return find_file(root, hash_text, index.archive_candidates(root, hash_text))


def do_upload_file(root, hash_text, stream):
    temporary.remove_stale_now_and_then(root)
    put_file(root, hash_text, stream)


def do_upload_packet(root, hash_text, body):
    """Accept a packet's metadata: checks in outpack_server's order, then first write wins."""
    if not root.accepts_pushes:
        raise BadRequest(no_file_store_message(root), kind="no file store")
    hash = parse_hash(hash_text)
    metadata = parse_metadata(body)
    check_not_ahead(metadata.id, timezone.now(), setting("REPROSTORE_OUTPACK_MAX_CLOCK_SKEW"))
    check_files_present(root, metadata)
    check_dependencies_unpacked(root, metadata)
    check_hash(hash, hash_bytes(body, hash.algorithm))
    check_same_as_stored(root, metadata.id, body)
    # Everything is checked; now the index rows, then the files, in one transaction: a value
    # the database refuses leaves nothing on disk, and a write that fails (a full disk) takes
    # the rows back with it. Should the location entry fail after the metadata was written,
    # the root holds known (not unpacked) metadata, a state outpack allows; a retry completes it.
    with transaction.atomic():
        index.add_packet(metadata, hash_bytes(body, root.core.hash_algorithm))
        write_metadata(root, metadata.id, body)
        entry = LocationEntry(metadata.id, now(), str(hash))
        if not write_entry(root, LOCAL, entry):
            entry = read_entry(entry_path(root, LOCAL, metadata.id))  # first write wins
        index.add_location_entry(LOCAL, entry)


def check_files_present(root, metadata):
    missing = dict.fromkeys(
        f.hash for f in metadata.files if not has_file(root, parse_hash(f.hash))
    )
    if missing:
        raise BadRequest(
            f"Can't import metadata for {metadata.id}, as files missing: \n {','.join(missing)}"
        )


def check_dependencies_unpacked(root, metadata):
    if not root.core.require_complete_tree:
        return
    missing = dict.fromkeys(
        d.packet for d in metadata.depends if not has_entry(root, LOCAL, d.packet)
    )
    if missing:
        raise BadRequest(
            f"Can't import metadata for {metadata.id}, as dependencies missing: \n "
            + ",".join(missing)
        )


def check_same_as_stored(root, packet_id, body):
    """Refuse, rather than silently ignore, other metadata under an id this root already has."""
    path = metadata_path(root, packet_id)
    if path.is_file() and path.read_bytes() != body:
        stored = hash_bytes(path.read_bytes(), root.core.hash_algorithm)
        raise OutpackError(
            409,
            "conflict",
            f"Packet '{packet_id}' already exists here with different metadata (hash "
            f"'{stored}'); the stored metadata is kept",
        )


def root_info():
    return {"schema_version": SCHEMA_VERSION}


def store_counts(root):
    files, size = store_stats(root)
    return {
        "outpack_server_metadata_total": (
            "Number of metadata files",
            count_entries(root.metadata_dir),
        ),
        "outpack_server_packets_total": (
            "Number of unpacked packets",
            count_entries(root.location_dir / LOCAL),
        ),
        "outpack_server_files_total": ("Number of files in the file store", files),
        "outpack_server_file_size_bytes_total": ("Total size of the file store", size),
    }


def count_entries(directory):
    try:
        return len(os.listdir(directory))
    except FileNotFoundError:
        return 0
