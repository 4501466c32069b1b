"""`reprostore check`: does the store hold what it says it holds, and can every reader read it?

The outpack root on disk is the truth, the database's packet index a copy of it, and the
Sumatra records live in the database alone. Each check below reports what it finds in a plain
sentence. With `repair`, what can be fixed without losing data is fixed:

- temporary files of writes that never finished (nothing was acknowledged for them) are removed;
- a metadata or location file no reader can parse, a location entry for a packet whose metadata
  is missing, and a stored file whose bytes do not match its hash are moved aside to
  `.reprostore/quarantine/<time>/`, under the path they had, for a person to look at;
- a packet said to be unpacked here (`location/local`) whose files are missing or damaged loses
  that entry (moved aside too), so that clients see it is not here and push it again;
- the packet index is brought back in step with the disk;
- a record stored with a byte-order mark loses the mark, and a duration no reader can take
  (infinite) is cleared from the record's columns; its document and history stay as sent.

Everything else (a record the Sumatra client can't read back, a location entry whose hash
disagrees with its metadata) is reported for a person to decide.
"""

import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reprostore.lib.http import HttpError
from reprostore.lib.private_dir import OWN_DIR
from reprostore.packets import index
from reprostore.packets.errors import BrokenRoot
from reprostore.packets.files import has_file
from reprostore.packets.hashing import hash_bytes, hash_file, parse_hash
from reprostore.packets.ids import is_packet_id
from reprostore.packets.location import LOCAL, entry_names, location_dirs, read_entry
from reprostore.packets.metadata import metadata_names, read_stored_metadata
from reprostore.packets.models import Packet, PacketLocation
from reprostore.packets.orphans import stored_files
from reprostore.packets.temporary import STALE_SECONDS, stale_cutoff, stale_files
from reprostore.records import documents
from reprostore.records.models import Record

RECORD_CHUNK = 500


@dataclass
class Problem:
    """Something wrong, and how to put it right without losing data (None: a person must)."""

    text: str
    repair: Callable[[], str] | None = None


class Quarantine:
    """Where repairs move files aside: `.reprostore/quarantine/<time>/<path in the root>`."""

    def __init__(self, root_path: Path):
        self.root_path = root_path
        self.place = root_path / OWN_DIR / "quarantine" / time.strftime("%Y%m%d-%H%M%S")

    def move(self, path: Path) -> str:
        destination = self.place / path.relative_to(self.root_path)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, destination)
        return f"moved to {destination}"


def check_store(root, *, hashes: bool = True) -> list[Problem]:
    """Every problem found in the store at `root` (a packets.root.Root), in the order to repair
    them: files before the entries that list them, the index last."""
    quarantine = Quarantine(root.path)
    problems = temporary_files(root)
    readable = {}
    problems += metadata_files(root, quarantine, readable)
    problems += location_entries(root, quarantine, readable)
    problems += unpacked_files(root, quarantine, readable, hashes)
    problems += index_rows(root, readable)
    problems += records()
    return problems


def temporary_files(root) -> list[Problem]:
    problems = []
    for path, size in stale_files(root, stale_cutoff(root, STALE_SECONDS)):

        def remove(path=path):
            path.unlink(missing_ok=True)
            return "removed"

        problems.append(
            Problem(
                f"Temporary file '{path}' ({size} bytes) is left from a write that never finished",
                remove,
            )
        )
    return problems


def metadata_files(root, quarantine, readable: dict) -> list[Problem]:
    """Each metadata file parses (strictly, as a push is checked); `readable` gets the bytes of
    those that do, by id."""
    problems = []
    for name in metadata_names(root):
        path = root.metadata_dir / name
        if not is_packet_id(name):
            problems.append(Problem(f"'{path}' is not named as a packet id; clients ignore it"))
            continue
        try:
            _, body = read_stored_metadata(path)
        except BrokenRoot as error:
            problems.append(
                Problem(f"{error.message}; no client can use it", lambda p=path: quarantine.move(p))
            )
            continue
        except OSError as error:
            problems.append(Problem(f"Metadata file '{path}' can't be read: {error}"))
            continue
        readable[name] = body
    return problems


def location_entries(root, quarantine, readable: dict) -> list[Problem]:
    problems = []
    for location in location_dirs(root):
        for packet_id in entry_names(root, location):
            path = root.location_dir / location / packet_id
            move = lambda p=path: quarantine.move(p)  # noqa: E731 - one repair per entry
            try:
                entry = read_entry(path)
            except BrokenRoot as error:
                problems.append(Problem(error.message, move))
                continue
            if packet_id not in readable:
                problems.append(
                    Problem(
                        f"Location '{location}' lists packet {packet_id}, whose metadata is "
                        "missing or unreadable",
                        move,
                    )
                )
                continue
            found = hash_bytes(readable[packet_id], parse_hash(entry.hash).algorithm)
            if str(found) != entry.hash:
                problems.append(
                    Problem(
                        f"Location '{location}' says packet {packet_id}'s metadata hashes to "
                        f"'{entry.hash}', but it hashes to '{found}'"
                    )
                )
    return problems


def unpacked_files(root, quarantine, readable: dict, hashes: bool) -> list[Problem]:
    """The files of every packet unpacked here are present and, with `hashes`, intact."""
    problems, damaged = [], set()
    if root.core.use_file_store and hashes:
        for hash, path, _ in stored_files(root):
            expected = parse_hash(hash)
            found = hash_file(path, expected.algorithm)
            if found != expected:
                damaged.add(hash)
                problems.append(
                    Problem(
                        f"Stored file '{path}' should hash to '{hash}' but hashes to '{found}'",
                        lambda p=path: quarantine.move(p),
                    )
                )
    for packet_id in entry_names(root, LOCAL):
        if packet_id not in readable:
            continue
        metadata, _ = read_stored_metadata(root.metadata_dir / packet_id)
        lacking = [f for f in metadata.files if f.hash in damaged or not holds(root, metadata, f)]
        if lacking:
            path = root.location_dir / LOCAL / packet_id
            problems.append(
                Problem(
                    f"Packet {packet_id} ({metadata.name}) is unpacked here, but its file "
                    f"'{lacking[0].path}' ({lacking[0].hash}) is missing or damaged"
                    + (f", and {len(lacking) - 1} more" if len(lacking) > 1 else ""),
                    lambda p=path: quarantine.move(p) + "; clients will push the packet again",
                )
            )
    return problems


def holds(root, metadata, packet_file) -> bool:
    """Whether the store (or, without one, the path archive) has this file."""
    if root.core.use_file_store:
        return has_file(root, parse_hash(packet_file.hash))
    path = root.archive_path(metadata.name, metadata.id, packet_file.path)
    return path is not None and path.is_file()


def index_rows(root, readable: dict) -> list[Problem]:
    indexed = set(Packet.objects.values_list("id", flat=True))
    missing, extra = readable.keys() - indexed, indexed - readable.keys()
    entries = {(loc, pid) for loc in location_dirs(root) for pid in entry_names(root, loc)}
    listed = set(PacketLocation.objects.values_list("location", "packet"))
    if not (missing or extra or entries != listed):
        return []

    def resync():
        index.forget_sync_state()
        index.sync_index(root, force=True, log=False)
        return "the index was brought in step with the disk"

    parts = []
    if missing:
        parts.append(f"{len(missing)} packets on disk are not in the index (e.g. {min(missing)})")
    if extra:
        parts.append(f"{len(extra)} indexed packets have no readable metadata (e.g. {min(extra)})")
    if entries != listed:
        parts.append(f"{len(entries ^ listed)} location entries differ between disk and index")
    return [Problem("The packet index disagrees with the disk: " + "; ".join(parts), resync)]


def records() -> list[Problem]:
    problems = []
    rows = Record.objects.select_related("project").only(
        "id", "label", "body", "duration", "project__name"
    )
    for record in rows.iterator(chunk_size=RECORD_CHUNK):
        problems += record_problems(record)
    return problems


def record_problems(record) -> list[Problem]:
    name = f"Record '{record.label}' of project '{record.project.name}'"
    problems = []
    if record.body.startswith("\ufeff"):

        def strip_mark(pk=record.pk, body=record.body):
            Record.objects.filter(pk=pk).update(body=body.removeprefix("\ufeff"))
            return "the mark was removed (the document as sent stays in its history)"

        problems.append(
            Problem(f"{name} starts with a byte-order mark the Sumatra client refuses", strip_mark)
        )
    if record.duration is not None and not math.isfinite(record.duration):

        def clear_duration(pk=record.pk):
            Record.objects.filter(pk=pk).update(duration=None)
            return "the duration column was cleared (the document keeps what was sent)"

        problems.append(Problem(f"{name} has a duration of {record.duration}", clear_duration))
    try:
        documents.check_record(documents.load_stored(record.body), record.label)
    except ValueError:
        problems.append(Problem(f"{name} is not JSON; only its history can tell what was sent"))
    except HttpError as error:
        problems.append(Problem(f"{name} can't be read back by the Sumatra client: {error}"))
    return problems


def repair(root, problems: list[Problem]) -> list[tuple[Problem, str]]:
    """Apply every repair there is, in order; (problem, what was done) for each. The index is
    brought in step with the disk afterwards, since repairs move files out of the root."""
    done = [(problem, problem.repair()) for problem in problems if problem.repair is not None]
    if done:
        index.forget_sync_state()
        index.sync_index(root, force=True, log=False)
    return done
