"""What the packet pages show: packets grouped by name, one packet with its files and both
directions of its dependencies, and previews of its files."""

import csv
import mimetypes
import posixpath

from django.db.models import Count, Max

from reprostore.lib.http import HttpError
from reprostore.packets import operations
from reprostore.packets.hashing import parse_hash
from reprostore.packets.models import Packet, PacketDependency, PacketFile, PacketLocation

TEXT_PREVIEW_BYTES = 256 * 1024
CSV_PREVIEW_ROWS = 200
DELIMITERS = {".csv": ",", ".tsv": "\t"}
TEXT_EXTENSIONS = {
    ".txt", ".csv", ".tsv", ".md", ".rmd", ".qmd", ".json", ".yml", ".yaml", ".toml", ".ini",
    ".cfg", ".r", ".py", ".sql", ".sh", ".log", ".xml", ".html", ".htm", ".css", ".js", ".tex",
    ".rst", ".dat", ".out", ".err", ".stdout", ".stderr",
}  # fmt: skip
# Served inline for <img>; every file response also carries a sandboxing CSP, so an SVG opened
# on its own cannot run script in this site's origin.
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"}


def groups(packets):
    """One row per packet name: how many packets and when the newest ran, newest first."""
    return (
        packets.values("name")
        .annotate(count=Count("id"), latest=Max("time_start"))
        .order_by("-latest", "name")
    )


def newest_packets(packets):
    return packets.order_by("-time_start", "-id")


def served_root_or_none():
    """The outpack root with its index brought up to date, or None if this store has none."""
    try:
        return operations.synced_root()
    except HttpError:
        return None


def media_type(path: str) -> str:
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def preview_kind(path: str) -> str | None:
    """ "image" or "text" when the browser can show the file; None for anything else."""
    if media_type(path) in IMAGE_TYPES:
        return "image"
    extension = posixpath.splitext(path)[1].lower()
    if extension in TEXT_EXTENSIONS or media_type(path).startswith("text/"):
        return "text"
    return None


def is_available(root, hash_text: str) -> bool:
    """Whether this server holds the file's bytes (metadata may arrive without them)."""
    try:
        return root is not None and operations.can_serve(root, parse_hash(hash_text), hash_text)
    except HttpError:
        return False


def files_of(root, packet: Packet) -> list[dict]:
    return [
        {
            "file": packet_file,
            "preview": preview_kind(packet_file.path),
            "available": is_available(root, packet_file.hash),
        }
        for packet_file in packet.files.order_by("path")
    ]


def names_of(ids, reader) -> dict:
    """The names of the packets with these ids that the visitor may read."""
    readable = Packet.objects.readable(reader)
    return dict(readable.filter(id__in=list(ids)).values_list("id", "name"))


def dependencies_of(packet: Packet, metadata: dict | None, reader) -> list[dict]:
    """What the packet uses: each packet it depends on, with the query and the files taken.

    The ids are in the packet's own metadata; the names (and links) only of packets the visitor
    may read."""
    rows = list(PacketDependency.objects.filter(packet=packet).order_by("position"))
    names = names_of((row.depends_on for row in rows), reader)
    depends = (metadata or {}).get("depends")
    depends = depends if isinstance(depends, list) else []
    return [
        {
            "id": row.depends_on,
            "name": names.get(row.depends_on),
            "query": row.query,
            "files": file_pairs(depends[row.position] if row.position < len(depends) else None),
        }
        for row in rows
    ]


def file_pairs(dependency) -> list[dict]:
    files = dependency.get("files") if isinstance(dependency, dict) else None
    return [pair for pair in files if isinstance(pair, dict)] if isinstance(files, list) else []


def users_of(packet: Packet, reader) -> list[dict]:
    """The packets the visitor may read that depend on this one, newest first."""
    rows = (
        PacketDependency.objects.filter(
            depends_on=packet.id, packet__in=Packet.objects.readable(reader)
        )
        .select_related("packet")
        .order_by("-packet__time_start", "-packet_id")
    )
    return [{"id": row.packet_id, "name": row.packet.name, "query": row.query} for row in rows]


def metadata_of(root, packet: Packet) -> dict | None:
    """The metadata as stored, for what the index does not keep (git, dependency files)."""
    if root is None:
        return None
    try:
        metadata = operations.metadata_json(root, packet.id)
    except HttpError:
        return None
    return metadata if isinstance(metadata, dict) else None


def packet_view(root, packet: Packet, reader) -> dict:
    metadata = metadata_of(root, packet)
    git = (metadata or {}).get("git")
    return {
        "files": files_of(root, packet),
        "uses": dependencies_of(packet, metadata, reader),
        "used_by": users_of(packet, reader),
        "locations": PacketLocation.objects.filter(packet=packet.id).order_by("location"),
        "git": git if isinstance(git, dict) else None,
        "parameters": sorted((packet.parameters or {}).items()),
    }


def file_path_on_disk(root, packet_file: PacketFile):
    """Where the file's bytes are; NotFound (an HttpError) when this server lacks them."""
    return operations.file_to_download(root, packet_file.hash)


def text_preview(path_on_disk) -> tuple[str | None, bool]:
    """(text, truncated) of a file's start, or (None, False) when it looks binary."""
    with open(path_on_disk, "rb") as handle:
        start = handle.read(TEXT_PREVIEW_BYTES + 1)
    if b"\x00" in start[:8192]:
        return None, False
    truncated = len(start) > TEXT_PREVIEW_BYTES
    return start[:TEXT_PREVIEW_BYTES].decode("utf-8", errors="replace"), truncated


def table_preview(path: str, text: str) -> list[list[str]] | None:
    """The first rows of a CSV or TSV file, or None for other files and for files the csv
    module can't read (a field over its 128 KiB limit): those are shown as text."""
    delimiter = DELIMITERS.get(posixpath.splitext(path)[1].lower())
    if delimiter is None:
        return None
    rows = []
    try:
        for row in csv.reader(text.splitlines(), delimiter=delimiter):
            rows.append(row)
            if len(rows) > CSV_PREVIEW_ROWS:
                break
    except csv.Error:
        return None
    return rows if rows else None
