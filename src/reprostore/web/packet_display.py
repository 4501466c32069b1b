"""What the packet pages show: packets grouped by name, one packet with its files and both
directions of its dependencies, and previews of its files."""

import csv
import mimetypes
import posixpath

from django.db.models import Count, Max, Q

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


def files_of(root, packet: Packet, roles: dict | None = None) -> list[dict]:
    """The packet's files; with `roles` ({path: (artefact, role)}, see file_roles), each marked
    with the artefact it belongs to and the part it plays."""
    roles = roles or {}
    return [
        {
            "file": packet_file,
            "preview": preview_kind(packet_file.path),
            "available": is_available(root, packet_file.hash),
            "artefact": roles.get(packet_file.path, (None, None))[0],
            "role": roles.get(packet_file.path, (None, None))[1],
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
    uses = dependencies_of(packet, metadata, reader)
    files = files_of(root, packet, file_roles(packet, uses))
    return {
        "description": description_of(packet),
        "files": files,
        "artefact_files": [entry for entry in files if entry["artefact"] is not None],
        "other_files": [entry for entry in files if entry["artefact"] is None],
        "uses": uses,
        "used_by": users_of(packet, reader),
        "locations": PacketLocation.objects.filter(packet=packet.id).order_by("location"),
        "git": git if isinstance(git, dict) else None,
        "parameters": sorted((packet.parameters or {}).items()),
        "previous": previous_of(packet),
    }


def previous_of(packet: Packet) -> Packet | None:
    """The packet of the same name that ran before this one (readable if this one is: read
    grants are per name), to compare with."""
    started = packet.time_start
    earlier = Q(time_start__lt=started) | Q(time_start=started, id__lt=packet.id)
    same_name = Packet.objects.filter(name=packet.name).filter(earlier)
    return same_name.order_by("-time_start", "-id").only("id", "name").first()


# What orderly's `custom.orderly.role` entries call a file, as the pages say it. pyorderly writes
# "orderly" for the entry script; orderly (R) the others.
ROLE_NAMES = {
    "orderly": "script",
    "script": "script",
    "orderly_yml": "orderly.yml",
    "source": "source",
    "resource": "resource",
    "shared": "shared resource",
    "readme": "readme",
    "dependency": "from a dependency",
}


def orderly_metadata(packet: Packet) -> dict:
    """What orderly wrote under `custom.orderly` (description, artefacts, file roles), or {}.

    Metadata comes from clients, so every part is checked for its shape before it is shown."""
    custom = packet.custom if isinstance(packet.custom, dict) else {}
    orderly = custom.get("orderly")
    return orderly if isinstance(orderly, dict) else {}


def text_or_none(value) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def description_of(packet: Packet) -> dict | None:
    """orderly's description of the report: `display` (a friendly name), `long` (a sentence or
    two) and `custom` (fields of the author's choosing); None when it says nothing."""
    description = orderly_metadata(packet).get("description")
    if not isinstance(description, dict):
        return None
    custom = description.get("custom")
    fields = sorted(custom.items()) if isinstance(custom, dict) else []
    found = {
        "display": text_or_none(description.get("display")),
        "long": text_or_none(description.get("long")),
        "fields": fields,
    }
    return found if found["display"] or found["long"] or fields else None


def display_name(packet: Packet) -> str | None:
    description = description_of(packet)
    return description["display"] if description else None


def with_display_names(packets) -> list[Packet]:
    """The packets, each with its `display_name` (or None) for the lists."""
    packets = list(packets)
    for packet in packets:
        packet.display_name = display_name(packet)
    return packets


def artefacts_of(packet: Packet) -> list[dict]:
    """The artefacts the report declared: [{"description", "paths"}]. orderly (R) writes
    `{description, paths}`, pyorderly `{name, files}`."""
    artefacts = orderly_metadata(packet).get("artefacts")
    found = []
    for entry in artefacts if isinstance(artefacts, list) else []:
        if not isinstance(entry, dict):
            continue
        paths = entry.get("paths", entry.get("files"))
        paths = [paths] if isinstance(paths, str) else paths
        if not isinstance(paths, list):
            continue
        described = text_or_none(entry.get("description")) or text_or_none(entry.get("name"))
        found.append(
            {"description": described or "", "paths": [p for p in paths if isinstance(p, str)]}
        )
    return found


def file_roles(packet: Packet, uses: list[dict]) -> dict:
    """{path: (artefact description or None, role or None)} for the packet's files: the
    artefacts it declared, what orderly says each other file is, and the files it took from
    the packets it uses (`uses`, as dependencies_of gives them)."""
    roles = {}
    entries = orderly_metadata(packet).get("role")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            role = entry.get("role")
            roles[entry["path"]] = ROLE_NAMES.get(role, role if isinstance(role, str) else None)
    for dependency in uses:
        source = dependency["name"] or dependency["id"]
        for pair in dependency["files"]:
            if isinstance(pair.get("here"), str):
                roles[pair["here"]] = f"from {source}"
    marked = {path: (None, role) for path, role in roles.items()}
    for artefact in artefacts_of(packet):
        for path in artefact["paths"]:
            marked[path] = (artefact["description"], "artefact")
    return marked


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
