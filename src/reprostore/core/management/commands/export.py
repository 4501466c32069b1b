import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from reprostore.accounts.access import Level, PacketsAccess
from reprostore.lib import provenance as formats
from reprostore.lib.http import HttpError
from reprostore.packets import crate, operations
from reprostore.packets import provenance as packet_provenance
from reprostore.packets.models import Packet
from reprostore.records import provenance as record_provenance
from reprostore.records.models import Project
from reprostore.web.exports import packet_links
from reprostore.web.packet_display import metadata_of

# Where `reprostore serve` answers when given no address.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# The command line may read everything.
EVERY_PACKET = PacketsAccess(Level.ADMIN)


class Command(BaseCommand):
    help = (
        "Write the provenance of a Sumatra record, a project or a packet as W3C PROV, or a "
        "packet and its files as an RO-Crate zip."
    )

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="{prov,crate}")
        prov = kinds.add_parser("prov", help="W3C PROV of a record, a project or a packet")
        which = prov.add_mutually_exclusive_group(required=True)
        which.add_argument("--project", help="a Sumatra project's id: all its records")
        which.add_argument("--packet", help="a packet's id")
        prov.add_argument("--label", help="with --project: only this record (and its neighbours)")
        prov.add_argument(
            "--format", choices=sorted(formats.FORMATS), default="prov-json", help="(prov-json)"
        )
        prov.add_argument("-o", "--output", help="file to write (standard output when not given)")
        packed = kinds.add_parser("crate", help="a packet and its files as an RO-Crate zip")
        packed.add_argument("--packet", required=True, help="a packet's id")
        packed.add_argument("-o", "--output", required=True, help="the zip file to write")
        for subparser in (prov, packed):
            subparser.add_argument(
                "--base-url",
                default=DEFAULT_BASE_URL,
                help="the server's public address, which identifiers are made from "
                f"({DEFAULT_BASE_URL})",
            )

    def handle(self, *args, **options):
        base_url = options["base_url"]
        if options["kind"] == "crate":
            self.write_crate(options["packet"], options["output"], base_url)
            return
        export = formats.FORMATS[options["format"]]
        if options["packet"] is not None:
            if options["label"]:
                raise CommandError("--label goes with --project, not --packet")
            document = self.packet_document(options["packet"], base_url)
        else:
            document = self.records_document(options["project"], options["label"], base_url)
        text = formats.serialize(document, export)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {export.name} to {options['output']}")
        else:
            self.stdout.write(text, ending="" if text.endswith("\n") else "\n")

    def records_document(self, name, label, base_url):
        project = Project.objects.filter(name=name).first()
        if project is None:
            raise CommandError(f"No project '{name}'")
        records_url = base_url.rstrip("/") + reverse("records:project_list")
        if label is None:
            return record_provenance.project_document(project, records_url)
        record = project.records.filter(label=label).first()
        if record is None:
            raise CommandError(f"No record '{label}' in project '{name}'")
        return record_provenance.record_document(project, record, records_url)

    def packet_document(self, packet_id, base_url):
        root, packet = find_packet(packet_id)
        return packet_provenance.packet_document(
            packet, metadata_of(root, packet), EVERY_PACKET, packet_links(base_url)
        )

    def write_crate(self, packet_id, output, base_url):
        root, packet = find_packet(packet_id)
        destination = Path(output).absolute()
        # Written beside the destination and renamed: a failed export leaves no half a zip.
        fd, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".crate-")
        try:
            with os.fdopen(fd, "wb") as handle:
                crate.write_crate(root, packet, EVERY_PACKET, packet_links(base_url), handle)
            os.chmod(temporary, 0o666 & ~current_umask())  # as a plain `open` would make it
            os.replace(temporary, destination)
        except HttpError as error:
            raise CommandError(error.message) from None
        finally:
            Path(temporary).unlink(missing_ok=True)
        self.stderr.write(f"Wrote the crate of packet {packet.id} to {destination}")


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def find_packet(packet_id):
    try:
        root = operations.synced_root()
    except HttpError as error:
        raise CommandError(error.message) from None
    packet = Packet.objects.filter(id=packet_id).first()
    if packet is None:
        raise CommandError(f"No packet '{packet_id}' in the outpack root at {root.path}")
    return root, packet
