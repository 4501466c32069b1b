"""Packets as W3C PROV (see lib/provenance.py for the formats and identifiers), and what the
RO-Crate export (crate.py) shares with it: which of a packet's files its run read and which it
made.

A packet is a run (an activity, from `time.start` to `time.end`) that used its parameters, its
code version (`git` in the metadata, when the packet was made in a repository), the files orderly
says are its script and resources, and the files it took from the packets it depends on; it
generated its other files and the packet itself, a collection of all its files. A dependency
makes the packet derived from the packet it used, and each file copied from it derived from the
file there.

Identifiers are the pages: `<packets>/<name>/<id>/` for a packet, `…/files/<path>` for its
files, `…/#run`, `…/#parameters` and `…/#code` for the rest. A packet used that the caller may
not read (or that this server lacks) is named only by its id, as outpack does:
`<outpack>/metadata/<id>/json`, and its files by their hash, `<outpack>/file/<hash>`.
"""

import json
from dataclasses import dataclass

from prov.model import ProvDocument

from reprostore.accounts.access import PacketsAccess
from reprostore.lib.provenance import (
    COLLECTION,
    PLAN,
    attributes,
    file_path,
    from_epoch,
    new_document,
    segment,
    term,
)

from .models import Packet, PacketDependency

# What orderly's `custom.orderly.role` calls the files a report starts from (orderly writes
# "orderly" for pyorderly's entry script); the files copied from dependencies are inputs too.
INPUT_ROLES = frozenset({"orderly", "script", "orderly_yml", "source", "resource", "shared"})
SCRIPT_ROLES = frozenset({"orderly", "script"})


@dataclass(frozen=True)
class PacketLinks:
    """Where this server shows packets: the pages (`…/packets/`) and the outpack API
    (`…/outpack/`), and its home page, as absolute URLs."""

    pages: str
    outpack: str
    site: str

    def page(self, name: str, packet_id: str) -> str:
        return self.pages + packet_path(name, packet_id)

    def file_page(self, name: str, packet_id: str, path: str) -> str:
        return self.pages + packet_path(name, packet_id) + "files/" + file_path(path)


def packet_path(name: str, packet_id: str) -> str:
    return f"{segment(name)}/{segment(packet_id)}/"


@dataclass(frozen=True)
class Dependency:
    """A packet this one used, and the files copied from it ({here: there})."""

    packet_id: str
    name: str | None  # None when the caller may not read it, or the server lacks it
    query: str | None
    files: dict[str, str]


@dataclass(frozen=True)
class Roles:
    """The packet's files sorted by what the run did with them."""

    inputs: list  # PacketFile rows the run read
    outputs: list  # PacketFile rows the run made
    copied: dict  # {path here: PacketFile} of the files taken from dependencies
    scripts: list  # the entry scripts among the inputs


def file_roles(packet: Packet, metadata: dict | None) -> Roles:
    roles = orderly_roles(packet)
    for path in script_list(metadata):
        roles.setdefault(path, "script")
    copied_paths = {here for dependency in dependencies_in(metadata) for here in dependency}
    inputs, outputs, copied, scripts = [], [], {}, []
    for packet_file in packet.files.order_by("path"):
        if packet_file.path in copied_paths:
            copied[packet_file.path] = packet_file
        elif roles.get(packet_file.path) in INPUT_ROLES:
            inputs.append(packet_file)
            if roles[packet_file.path] in SCRIPT_ROLES:
                scripts.append(packet_file)
        else:
            outputs.append(packet_file)
    return Roles(inputs, outputs, copied, scripts)


def orderly_roles(packet: Packet) -> dict[str, str]:
    """{path: role} from `custom.orderly.role`; metadata comes from clients, so each part is
    checked for its shape."""
    custom = packet.custom if isinstance(packet.custom, dict) else {}
    orderly = custom.get("orderly") if isinstance(custom.get("orderly"), dict) else {}
    entries = orderly.get("role") if isinstance(orderly.get("role"), list) else []
    return {
        entry["path"]: entry["role"]
        for entry in entries
        if isinstance(entry, dict)
        and isinstance(entry.get("path"), str)
        and isinstance(entry.get("role"), str)
    }


def script_list(metadata: dict | None) -> list[str]:
    """orderly (version 1) lists the scripts it ran in a top-level `script`."""
    scripts = (metadata or {}).get("script")
    return [path for path in scripts if isinstance(path, str)] if isinstance(scripts, list) else []


def dependencies_in(metadata: dict | None) -> list[dict[str, str]]:
    """{here: there} of each `depends` entry of the metadata, in its order."""
    depends = (metadata or {}).get("depends")
    found = []
    for entry in depends if isinstance(depends, list) else []:
        pairs = entry.get("files") if isinstance(entry, dict) else None
        found.append(
            {
                pair["here"]: pair["there"]
                for pair in (pairs if isinstance(pairs, list) else [])
                if isinstance(pair, dict)
                and isinstance(pair.get("here"), str)
                and isinstance(pair.get("there"), str)
            }
        )
    return found


def dependencies_of(packet: Packet, metadata: dict | None, reader: PacketsAccess) -> list:
    """The packets this one used, named only where `reader` may read them."""
    rows = list(PacketDependency.objects.filter(packet=packet).order_by("position"))
    names = dict(
        Packet.objects.readable(reader)
        .filter(id__in=[row.depends_on for row in rows])
        .values_list("id", "name")
    )
    files = dependencies_in(metadata)
    return [
        Dependency(
            row.depends_on,
            names.get(row.depends_on),
            row.query,
            files[row.position] if row.position < len(files) else {},
        )
        for row in rows
    ]


def git_of(metadata: dict | None) -> dict | None:
    git = (metadata or {}).get("git")
    return git if isinstance(git, dict) else None


def git_urls(git: dict) -> list[str]:
    urls = git.get("url")
    urls = [urls] if isinstance(urls, str) else urls
    return [url for url in urls if isinstance(url, str)] if isinstance(urls, list) else []


def display_name(packet: Packet) -> str | None:
    custom = packet.custom if isinstance(packet.custom, dict) else {}
    orderly = custom.get("orderly") if isinstance(custom.get("orderly"), dict) else {}
    description = orderly.get("description")
    if isinstance(description, dict) and isinstance(description.get("display"), str):
        return description["display"].strip() or None
    return None


# The PROV document


@dataclass(frozen=True)
class PacketIds:
    name: str
    packet_id: str

    @property
    def packet(self) -> str:
        return f"packets:{packet_path(self.name, self.packet_id)}"

    def part(self, fragment: str) -> str:
        return f"{self.packet}#{fragment}"

    def file(self, path: str) -> str:
        return f"{self.packet}files/{file_path(path)}"


def packet_document(
    packet: Packet, metadata: dict | None, reader: PacketsAccess, links: PacketLinks
) -> ProvDocument:
    """The packet's provenance: its run, files, parameters, code and the packets it used."""
    document = new_document(packets=links.pages, outpack=links.outpack)
    ids = PacketIds(packet.name, packet.id)
    start, end = from_epoch(packet.time_start), from_epoch(packet.time_end)
    run = document.activity(ids.part("run"), start, end, run_attributes(packet))
    entity = document.entity(ids.packet, packet_attributes(packet))
    document.wasGeneratedBy(entity, run, end)
    if packet.parameters:
        parameters = document.entity(ids.part("parameters"), parameter_attributes(packet))
        document.used(run, parameters)
    git = git_of(metadata)
    if git is not None:
        document.used(run, document.entity(ids.part("code"), code_attributes(git)))
    roles = file_roles(packet, metadata)
    for packet_file in roles.inputs:
        document.used(run, add_file(document, entity, ids.file(packet_file.path), packet_file))
    for packet_file in roles.outputs:
        output = add_file(document, entity, ids.file(packet_file.path), packet_file)
        document.wasGeneratedBy(output, run, end)
    copies = dict(roles.copied)
    for dependency in dependencies_of(packet, metadata, reader):
        add_dependency(document, run, entity, ids, dependency, copies)
    for packet_file in copies.values():  # named by the metadata, but by no dependency we know
        document.used(run, add_file(document, entity, ids.file(packet_file.path), packet_file))
    return document


def add_file(document, packet_entity, identifier: str, packet_file):
    entity = document.entity(identifier, file_attributes(packet_file.path, packet_file))
    document.hadMember(packet_entity, entity)
    return entity


def add_dependency(document, run, entity, ids: PacketIds, dependency: Dependency, copies):
    """The packet used, derived from; each copied file used by the run and derived from there.
    The files added are taken out of `copies` ({path here: PacketFile})."""
    if dependency.name is None:
        used = document.entity(
            f"outpack:metadata/{segment(dependency.packet_id)}/json",
            attributes([("prov:type", COLLECTION), (term("packetId"), dependency.packet_id)]),
        )
    else:
        used = document.entity(
            PacketIds(dependency.name, dependency.packet_id).packet,
            attributes(
                [
                    ("prov:type", COLLECTION),
                    ("prov:type", term("Packet")),
                    ("prov:label", f"{dependency.name} {dependency.packet_id}"),
                    (term("packetId"), dependency.packet_id),
                    (term("name"), dependency.name),
                ]
            ),
        )
    document.wasDerivedFrom(entity, used, other_attributes=query_attribute(dependency))
    for here, there in dependency.files.items():
        packet_file = copies.pop(here, None)
        if packet_file is None:
            continue
        if dependency.name is None:
            identifier = f"outpack:file/{segment(packet_file.hash)}"
        else:
            identifier = PacketIds(dependency.name, dependency.packet_id).file(there)
        source = document.entity(identifier, file_attributes(there, packet_file))
        document.hadMember(used, source)
        document.used(run, source)
        copy = add_file(document, entity, ids.file(here), packet_file)
        document.wasDerivedFrom(copy, source, run)


def query_attribute(dependency: Dependency) -> list:
    return attributes([(term("query"), dependency.query)])


def run_attributes(packet: Packet) -> list:
    return attributes(
        [
            ("prov:type", term("OutpackRun")),
            ("prov:label", f"run of {packet.name}"),
        ]
    )


def packet_attributes(packet: Packet) -> list:
    return attributes(
        [
            ("prov:type", COLLECTION),
            ("prov:type", term("Packet")),
            ("prov:label", display_name(packet) or f"{packet.name} {packet.id}"),
            (term("packetId"), packet.id),
            (term("name"), packet.name),
            (term("metadataHash"), packet.hash),
        ]
    )


def parameter_attributes(packet: Packet) -> list:
    return attributes(
        [
            ("prov:type", term("ParameterSet")),
            ("prov:label", "parameters"),
            ("prov:value", json.dumps(packet.parameters, sort_keys=True)),
        ]
    )


def code_attributes(git: dict) -> list:
    sha = git.get("sha") if isinstance(git.get("sha"), str) else None
    branch = git.get("branch") if isinstance(git.get("branch"), str) else None
    return attributes(
        [
            ("prov:type", PLAN),
            ("prov:type", term("CodeVersion")),
            ("prov:label", f"code at {sha}" if sha else "code"),
            (term("version"), sha),
            (term("branch"), branch),
            *((term("repository"), url) for url in git_urls(git)),
        ]
    )


def file_attributes(path: str, packet_file) -> list:
    return attributes(
        [
            ("prov:type", term("File")),
            ("prov:label", path),
            (term("path"), path),
            (term("hash"), packet_file.hash),
            (term("size"), packet_file.size),
        ]
    )
