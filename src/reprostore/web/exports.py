"""A packet's provenance to take elsewhere: W3C PROV (packets/provenance.py) and an RO-Crate zip
(packets/crate.py). Anyone who may see the packet's page may export it; for anyone else the
packet is missing, as on the page.
"""

from django.urls import reverse

from reprostore.lib import provenance as formats
from reprostore.lib.http import file_response
from reprostore.packets import crate, operations, provenance
from reprostore.packets.provenance import PacketLinks
from reprostore.web import packet_display as display
from reprostore.web.access import packets_reader, web_page
from reprostore.web.views import get_packet


def packet_links(base_url: str) -> PacketLinks:
    """Where the packets are on the server at `base_url` (scheme and host, and the prefix the
    site is mounted under, if any)."""
    base = base_url.rstrip("/")
    return PacketLinks(
        base + reverse("web:packets"), base + reverse("packets:root"), base + reverse("web:home")
    )


def request_links(request) -> PacketLinks:
    return packet_links(request.build_absolute_uri("/"))


@web_page
def packet_provenance(request, name, packet_id):
    """The packet as W3C PROV, in the format of `?format=` or the Accept header."""
    export = formats.chosen_format(request)
    reader = packets_reader(request)
    root = display.served_root_or_none()
    packet = get_packet(reader, name, packet_id)
    metadata = display.metadata_of(root, packet)  # for git and the files of dependencies
    document = provenance.packet_document(packet, metadata, reader, request_links(request))
    return formats.response(document, export, f"{packet.name}-{packet.id}")


@web_page
def packet_crate(request, name, packet_id):
    """The packet and its files as an RO-Crate zip (Process Run Crate)."""
    reader = packets_reader(request)
    root = operations.synced_root()
    packet = get_packet(reader, name, packet_id)
    spooled = crate.spooled_crate(root, packet, reader, request_links(request))
    return file_response(
        spooled,
        as_attachment=True,
        filename=crate.crate_name(packet),
        content_type="application/zip",
    )
