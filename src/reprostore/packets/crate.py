"""A packet as an RO-Crate (https://w3id.org/ro/crate/1.1), zipped, following the Process Run
Crate profile (https://w3id.org/ro/wfrun/process/0.5): the packet's files, its outpack metadata
byte for byte, and one CreateAction for the run that made them (what it read, what it made, the
code it ran, its parameters), described as provenance.py sorts the files.

The crate's metadata is built with the `rocrate` library; the zip is written here, file by file
from the store, into a temporary file: a packet of gigabytes never sits in memory, and a file
this server lacks fails the export before anything is sent. (The library's own zip writer also
walks a source directory, which a crate made from nothing lacks, and names an empty file by its
escaped identifier.)
"""

import datetime
import json
import mimetypes
import tempfile
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from rocrate.model.contextentity import ContextEntity
from rocrate.rocrate import ROCrate

from reprostore.accounts.access import PacketsAccess
from reprostore.lib.http import Conflict, HttpError, NotFound
from reprostore.lib.provenance import from_epoch

from . import operations
from .metadata import read_metadata_bytes
from .models import Packet
from .provenance import (
    Dependency,
    PacketLinks,
    dependencies_of,
    display_name,
    file_roles,
    git_of,
    git_urls,
    packet_path,
)

RO_CRATE_VERSION = "1.1"  # the version the Process Run Crate profile 0.5 builds on
PROFILE = "https://w3id.org/ro/wfrun/process/0.5"
METADATA_FILE = "ro-crate-metadata.json"
OUTPACK_METADATA_FILE = "outpack-metadata.json"
NO_LICENSE = (
    "The packet's metadata states no license: ask the people who made it before reusing its files."
)


@dataclass(frozen=True)
class PacketCrate:
    crate: ROCrate
    files: list  # (name in the crate, PacketFile) of the packet's files
    outpack_metadata: bool  # whether the metadata goes in too (no packet file has its name)


def spooled_crate(root, packet: Packet, reader: PacketsAccess, links: PacketLinks):
    """The zipped crate in an anonymous temporary file, at its start (the caller closes it)."""
    # Not a `with`: the file outlives this function, as the response that sends it.
    handle = tempfile.TemporaryFile(prefix="reprostore-crate-")  # noqa: SIM115
    try:
        write_crate(root, packet, reader, links, handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


def write_crate(root, packet: Packet, reader: PacketsAccess, links: PacketLinks, destination):
    """Write the zipped crate of `packet` to the binary file `destination`."""
    metadata_bytes = read_metadata_bytes(root, packet.id)
    built = build_crate(packet, json.loads(metadata_bytes), reader, links)
    # Every file is found before the zip is begun: a missing one fails the whole export.
    members = [(name, on_disk(root, packet, name, file)) for name, file in built.files]
    # Stored, not deflated: a packet's large files are mostly compressed already (rds, png,
    # pdf), and deflating 200 MB of them took 9 s of the server's time where storing took 1 s.
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, path in members:
            archive.write(path, name)
        if built.outpack_metadata:
            archive.writestr(OUTPACK_METADATA_FILE, metadata_bytes)
        document = built.crate.metadata.generate()
        archive.writestr(METADATA_FILE, json.dumps(document, indent=2, ensure_ascii=False))


def on_disk(root, packet: Packet, name: str, packet_file):
    try:
        return operations.file_to_download(root, packet_file.hash)
    except HttpError:
        raise NotFound(
            f"This server does not hold the file '{name}' of packet {packet.id}, "
            "so it can't export the packet as a crate"
        ) from None


def build_crate(
    packet: Packet, metadata: dict, reader: PacketsAccess, links: PacketLinks
) -> PacketCrate:
    """The crate's entities, as `rocrate` describes them (its files have no source: write_crate
    copies them from the store)."""
    paths = set(packet.files.values_list("path", flat=True))
    if METADATA_FILE in paths:
        raise Conflict(
            f"Packet {packet.id} has a file called '{METADATA_FILE}', the name an RO-Crate "
            "keeps for its own description, so it can't be exported as a crate"
        )
    crate = ROCrate(version=RO_CRATE_VERSION)
    page = links.page(packet.name, packet.id)
    describe_root(crate, packet, page, links)
    roles = file_roles(packet, metadata)
    packet_files = list(packet.files.order_by("path"))
    files = {packet_file.path: add_file(crate, packet_file) for packet_file in packet_files}
    with_metadata = OUTPACK_METADATA_FILE not in paths
    if with_metadata:
        add_outpack_metadata(crate, packet)
    code = add_code(crate, packet, metadata, page, [files[f.path] for f in roles.scripts])
    inputs = [files[f.path] for f in roles.inputs] + add_parameters(crate, packet)
    for dependency in dependencies_of(packet, metadata, reader):
        inputs += add_dependency(crate, links, dependency, files)
    inputs += [files[path] for path in roles.copied if "isBasedOn" not in files[path]]
    action = crate.add_action(
        code,
        identifier="#run",
        object=one_or_many(inputs),
        result=one_or_many([files[f.path] for f in roles.outputs]),
        properties=run_properties(packet),
    )
    crate.root_dataset["mentions"] = action
    members = [(unquote(files[f.path].id), f) for f in packet_files]
    return PacketCrate(crate, members, with_metadata)


def describe_root(crate: ROCrate, packet: Packet, page: str, links: PacketLinks) -> None:
    root = crate.root_dataset
    root["name"] = display_name(packet) or f"{packet.name} {packet.id}"
    root["description"] = (
        f"Packet {packet.id} of the report '{packet.name}': the files of one run and the run "
        "that made them."
    )
    root["identifier"] = page
    root["url"] = page
    root["datePublished"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    root["conformsTo"] = crate.add(
        ContextEntity(
            crate,
            PROFILE,
            properties={"@type": "CreativeWork", "name": "Process Run Crate", "version": "0.5"},
        )
    )
    # The store the crate comes from publishes it, as a repository does.
    root["publisher"] = crate.add(
        ContextEntity(
            crate,
            links.site,
            properties={
                "@type": "Organization",
                "name": f"reprostore at {urlsplit(links.site).netloc}",
                "url": links.site,
            },
        )
    )
    root["license"] = crate.add(
        ContextEntity(
            crate,
            "#license",
            properties={
                "@type": "CreativeWork",
                "name": "No license stated",
                "description": NO_LICENSE,
            },
        )
    )


def add_file(crate: ROCrate, packet_file):
    return crate.add_file(
        dest_path=packet_file.path,
        properties={
            "name": packet_file.path,
            "contentSize": str(packet_file.size),
            "encodingFormat": mimetypes.guess_type(packet_file.path)[0]
            or "application/octet-stream",
            # outpack's hash of the file ("sha256:…"), what its store names it by.
            "identifier": packet_file.hash,
        },
    )


def add_outpack_metadata(crate: ROCrate, packet: Packet) -> None:
    crate.add_file(
        dest_path=OUTPACK_METADATA_FILE,
        properties={
            "name": "outpack metadata",
            "description": f"The packet's outpack metadata, byte for byte (its hash is "
            f"{packet.hash})",
            "encodingFormat": "application/json",
            "about": crate.root_dataset,
        },
    )


def add_code(crate: ROCrate, packet: Packet, metadata: dict, page: str, scripts: list):
    """The code the run followed: the report's source at its git commit when the packet
    records one, with the entry scripts the crate holds."""
    git = git_of(metadata) or {}
    urls = git_urls(git)
    web_urls = [url for url in urls if url.startswith(("https://", "http://"))]
    properties = {
        "@type": "SoftwareSourceCode",
        "name": f"The code of the report '{packet.name}'",
        "url": web_urls[0] if web_urls else page,
    }
    if isinstance(git.get("sha"), str):
        properties["version"] = git["sha"]
    if urls:
        properties["codeRepository"] = urls[0]
    if scripts:
        properties["hasPart"] = one_or_many(scripts)
    return crate.add(ContextEntity(crate, f"{page}#code", properties=properties))


def add_parameters(crate: ROCrate, packet: Packet) -> list:
    parameters = packet.parameters if isinstance(packet.parameters, dict) else {}
    return [
        crate.add(
            ContextEntity(
                crate,
                f"#parameter-{index}",
                properties={
                    "@type": "PropertyValue",
                    "name": name,
                    "value": value
                    if isinstance(value, str | int | float | bool)
                    else json.dumps(value),
                },
            )
        )
        for index, (name, value) in enumerate(sorted(parameters.items()), start=1)
    ]


def add_dependency(crate: ROCrate, links: PacketLinks, dependency: Dependency, files) -> list:
    """The packet used, as the root is based on it, and the files the run took from it (each
    based on the file there); the files, for the run's `object`."""
    if dependency.name is None:
        url = f"{links.outpack}metadata/{dependency.packet_id}/json"
        name = f"packet {dependency.packet_id}"
    else:
        url = links.page(dependency.name, dependency.packet_id)
        name = f"{dependency.name} {dependency.packet_id}"
    used = crate.add(ContextEntity(crate, url, properties={"@type": "CreativeWork", "name": name}))
    crate.root_dataset.append_to("isBasedOn", used, compact=True)
    taken = []
    for here, there in dependency.files.items():
        if here not in files:
            continue
        if dependency.name is None:
            there_url = f"{links.outpack}file/{files[here]['identifier']}"
        else:
            there_url = links.file_page(dependency.name, dependency.packet_id, there)
        source = crate.add(
            ContextEntity(
                crate,
                there_url,
                properties={"@type": "CreativeWork", "name": there, "isPartOf": used},
            )
        )
        files[here]["isBasedOn"] = source
        taken.append(files[here])
    return taken


def run_properties(packet: Packet) -> dict:
    properties = {
        "name": f"Run of the report '{packet.name}'",
        "description": f"The run of '{packet.name}' that made packet {packet.id}",
    }
    for key, seconds in (("startTime", packet.time_start), ("endTime", packet.time_end)):
        when = from_epoch(seconds)
        if when is not None:
            # The profile's validator takes milliseconds at most.
            properties[key] = when.isoformat(timespec="milliseconds")
    return properties


def one_or_many(entities: list):
    """RO-Crate 1.1 prefers a single value to a list of one; nothing at all for none."""
    if not entities:
        return None
    return entities[0] if len(entities) == 1 else entities


def crate_name(packet: Packet) -> str:
    return packet_path(packet.name, packet.id).strip("/").replace("/", "-") + ".crate.zip"
