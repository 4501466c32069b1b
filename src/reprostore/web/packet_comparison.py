"""Packets side by side, as records are compared (comparison.py): one row per field, parameter,
file and dependency, marking the rows that differ. Files are compared by their hashes, so a file
is the same in two packets when its bytes are, whatever its size or time."""

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse

from reprostore.packets.models import Packet
from reprostore.web import comparison, formatting
from reprostore.web import packet_display as display
from reprostore.web.comparison import Row, Section, keyed_rows, text

MIN_PACKETS, MAX_PACKETS = comparison.MIN_RECORDS, comparison.MAX_RECORDS
SAME, CHANGED, ONLY_IN_SOME = "same", "changed", "only in some"


@dataclass
class PacketRow(Row):
    """A row with what the packet pages add: a link per value (the packets a dependency
    names), and for files whether the file is an artefact and how it compares."""

    urls: list = field(default_factory=list)
    artefact: bool = False
    is_file: bool = False

    @property
    def status(self) -> str:
        if any(value is None for value in self.values):
            return ONLY_IN_SOME
        return CHANGED if self.differs else SAME

    @property
    def cells(self) -> list[dict]:
        urls = self.urls or [None] * len(self.values)
        return [{"value": value, "url": url} for value, url in zip(self.values, urls, strict=True)]


def packets_to_compare(reader, ids: list[str]) -> list[Packet]:
    """The packets with these ids, in that order; not found for one the visitor may not read,
    exactly as for one that does not exist."""
    found = Packet.objects.readable(reader).filter(id__in=ids).prefetch_related("files")
    by_id = {packet.id: packet for packet in found}
    for packet_id in ids:
        if packet_id not in by_id:
            raise Http404(f"No packet '{packet_id}' on this server")
    return [by_id[packet_id] for packet_id in ids]


def ran_at(packet: Packet) -> str | None:
    started = formatting.epoch(packet.time_start)
    return started.strftime("%Y-%m-%d %H:%M:%S UTC") if started else None


def git_field(metadata: dict | None, key: str) -> str | None:
    git = (metadata or {}).get("git")
    value = git.get(key) if isinstance(git, dict) else None
    return value if isinstance(value, str) else None


def packet_rows(packets: list[Packet], metadata: list) -> list[PacketRow]:
    fields = [
        ("Name", lambda p, m: p.name),
        ("Display name", lambda p, m: display.display_name(p)),
        ("Ran", lambda p, m: ran_at(p)),
        ("Duration", lambda p, m: formatting.duration(p.time_end - p.time_start)),
        ("Git commit", lambda p, m: git_field(m, "sha")),
        ("Git branch", lambda p, m: git_field(m, "branch")),
    ]
    return [
        PacketRow(name, [text(get(p, m)) for p, m in zip(packets, metadata, strict=True)])
        for name, get in fields
    ]


def parameter_rows(packets: list[Packet]) -> list[PacketRow]:
    rows = keyed_rows([packet.parameters or {} for packet in packets])
    return [PacketRow(row.name, row.values) for row in rows]


def file_rows(packets: list[Packet]) -> list[PacketRow]:
    """One row per path in any packet, valued by the file's hash; artefacts first."""
    hashes = [{f.path: f.hash for f in packet.files.all()} for packet in packets]
    artefacts = {
        path
        for packet in packets
        for artefact in display.artefacts_of(packet)
        for path in artefact["paths"]
    }
    paths = sorted(set().union(*hashes), key=lambda path: (path not in artefacts, path))
    return [
        PacketRow(
            path,
            [by_path.get(path) for by_path in hashes],
            artefact=path in artefacts,
            is_file=True,
        )
        for path in paths
    ]


def dependency_rows(packets: list[Packet], metadata: list, reader) -> list[PacketRow]:
    """One row per packet name used (by id where the visitor may not read the name), valued by
    the id each packet used: a row differs when they used different packets of that name."""
    per_packet = []
    for packet, meta in zip(packets, metadata, strict=True):
        used = {}
        for dependency in display.dependencies_of(packet, meta, reader):
            key = dependency["name"] or dependency["id"]
            while key in used:  # the same name used twice: keep both
                key += " (again)"
            used[key] = (dependency["id"], dependency["name"])
        per_packet.append(used)
    names = sorted(set().union(*per_packet))
    rows = []
    for name in names:
        values = [used.get(name, (None, None)) for used in per_packet]
        rows.append(
            PacketRow(
                name,
                [packet_id for packet_id, _ in values],
                urls=[
                    reverse("web:packet", args=[used_name, packet_id]) if used_name else None
                    for packet_id, used_name in values
                ],
            )
        )
    return rows


def compare(root, packets: list[Packet], reader) -> list[Section]:
    """The comparison of `packets`, in the order given."""
    metadata = [display.metadata_of(root, packet) for packet in packets]
    return [
        Section("Packet", packet_rows(packets, metadata)),
        Section("Parameters", parameter_rows(packets)),
        Section("Files", file_rows(packets)),
        Section("Uses", dependency_rows(packets, metadata, reader)),
    ]


def file_summary(sections: list[Section]) -> dict:
    """How many files are the same, changed, or only in some of the packets."""
    rows = [row for section in sections for row in section.rows if getattr(row, "is_file", False)]
    counts = Counter(row.status for row in rows)
    return {"same": counts[SAME], "changed": counts[CHANGED], "only_in_some": counts[ONLY_IN_SOME]}


def query(ids: list[str], differences: bool) -> str:
    """The query string comparing `ids`, every row or only the differences (each id is kept:
    the page's query_url keeps one value per name)."""
    pairs = [("id", packet_id) for packet_id in ids]
    return "?" + urlencode(pairs + ([("show", "differences")] if differences else []))
