"""Each outpack answer as one caller may see it: what they may not read is absent.

A caller who may read every packet gets exactly what `operations.py` answers, from the disk as
outpack_server does. A caller who may read only the packets of some names (a read grant scoped
to a packet name) gets answers narrowed through the index: other packets are not listed, their
metadata is "not found", they count as missing, and a file is readable only when some packet
they may read lists it.
"""

from reprostore.accounts.access import PacketsAccess

from . import index, operations
from .errors import NotFound
from .hashing import check_algorithm, hash_bytes, parse_hash
from .ids import parse_requested_id
from .models import Packet, PacketFile
from .search import select_packets

BATCH = 500


def readable_ids(reader: PacketsAccess) -> set[str]:
    return set(Packet.objects.readable(reader).values_list("id", flat=True))


def location_listing(root, reader: PacketsAccess) -> list[dict]:
    listing = index.location_listing(root)
    if reader.reads_every_packet:
        return listing
    ids = readable_ids(reader)
    return [entry for entry in listing if entry["packet"] in ids]


def location_listing_json(root, reader: PacketsAccess):
    """`index.location_listing_json` (the listing as chunks of JSON text), narrowed likewise."""
    packets = None if reader.reads_every_packet else Packet.objects.readable(reader)
    return index.location_listing_json(root, packets)


def packit_listing(root, known_since, reader: PacketsAccess) -> list[dict]:
    listing = index.packit_listing(root, known_since)
    if reader.reads_every_packet:
        return listing
    return [packet for packet in listing if reader.may_read(packet["name"])]


def check_packet_readable(root, reader: PacketsAccess, packet_id: str) -> None:
    """NotFound, as for a packet that does not exist, unless the caller may read it."""
    if reader.reads_every_packet:
        return
    index.sync_index(root)
    name = Packet.objects.filter(id=packet_id).values_list("name", flat=True).first()
    if name is None or not reader.may_read(name):
        raise NotFound(f"packet with id '{packet_id}' does not exist")


def checksum(root, algorithm, reader: PacketsAccess) -> str:
    """outpack's checksum (over the names in `metadata/`), over the readable packets' ids."""
    if reader.reads_every_packet:
        return operations.checksum(root, algorithm)
    index.sync_index(root)
    algorithm = root.core.hash_algorithm if algorithm is None else algorithm
    names = "".join(sorted(readable_ids(reader)))
    return str(hash_bytes(names.encode(), check_algorithm(algorithm)))


def missing_packets(root, ids, unpacked, reader: PacketsAccess) -> list[str]:
    missing = operations.missing_packets(root, ids, unpacked)
    if reader.reads_every_packet:
        return missing
    index.sync_index(root)
    readable = readable_ids(reader)
    absent = set(missing)
    wanted = dict.fromkeys(parse_requested_id(x) for x in ids)
    return [x for x in wanted if x in absent or x not in readable]


def missing_files(root, hashes, reader: PacketsAccess) -> list[str]:
    missing = operations.missing_files(root, hashes)
    if reader.reads_every_packet:
        return missing
    listed = readable_hashes(reader, hashes)
    absent = set(missing)
    return [text for text in hashes if text in absent or canonical(text) not in listed]


def readable_hashes(reader: PacketsAccess, hashes) -> set[str]:
    """The hashes among `hashes` that some packet the caller may read lists."""
    wanted = sorted({canonical(text) for text in hashes})
    files = PacketFile.objects.filter(packet__in=Packet.objects.readable(reader))
    found = set()
    # In batches: a request may ask about more hashes than SQLite takes parameters.
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start : start + BATCH]
        found |= set(files.filter(hash__in=batch).values_list("hash", flat=True))
    return found


def canonical(hash_text: str) -> str:
    return str(parse_hash(hash_text))


def check_file_readable(root, reader: PacketsAccess, hash_text: str) -> None:
    """NotFound, as for a file this server lacks, unless some packet the caller may read lists
    it."""
    if reader.reads_every_packet:
        return
    index.sync_index(root)
    if not readable_hashes(reader, [hash_text]):
        raise NotFound(f"hash '{hash_text}' not found")


def search(text, reader: PacketsAccess, *, this=None, subqueries=None) -> list[str]:
    """The ids the query selects among the packets the caller may read, sorted: `latest()` is
    the newest of those, and `usedby`/`uses` follow only those packets' dependencies."""
    packets = Packet.objects.readable(reader)
    selected = select_packets(packets, text, this=this, subqueries=subqueries)
    return sorted(selected.values_list("id", flat=True))
