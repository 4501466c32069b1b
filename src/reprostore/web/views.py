"""The pages that are not Sumatra resources: home, compare, permission changes and packets.

Each view reads its input, checks what the visitor may see (access.py), asks one module for the
data and renders. The Sumatra resources' own pages are in record_pages.py.
"""

import posixpath

from django.contrib import messages
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from reprostore.accounts.access import GrantRefused, Level, at_least
from reprostore.lib.http import HttpError, file_response
from reprostore.packets.models import Packet
from reprostore.records import operations
from reprostore.records.documents import load_stored
from reprostore.records.forms import GrantForm, RevokeForm, VisibilityForm
from reprostore.records.listing import projects_with_last_update
from reprostore.records.models import Project
from reprostore.web import comparison, lineage, packet_comparison, paging, search
from reprostore.web import packet_display as display
from reprostore.web.access import can_read_packets, packets_reader, project_for_page, web_page

# What a file answer may do in the browser: show itself, nothing else, and never run script.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
VISIBILITY_MESSAGES = {
    True: "Anyone may now read this project.",
    False: "Only people with access may now read this project.",
}


def home(request):
    projects = projects_with_last_update(Project.objects.readable_by(request.user)).annotate(
        record_count=Count("records")
    )
    context = {"projects": projects, "packets": None}
    if can_read_packets(request):
        display.served_root_or_none()
        readable = Packet.objects.readable(packets_reader(request))
        context["packets"] = readable.aggregate(
            count=Count("id"), names=Count("name", distinct=True), latest=Max("time_start")
        )
    return render(request, "web/home.html", context)


@web_page
def compare(request, project):
    found, _ = project_for_page(request, project)
    labels = list(dict.fromkeys(request.GET.getlist("label")))
    if not comparison.MIN_RECORDS <= len(labels) <= comparison.MAX_RECORDS:
        messages.error(
            request,
            f"Choose between {comparison.MIN_RECORDS} and {comparison.MAX_RECORDS} records "
            f"to compare (you chose {len(labels)}).",
        )
        return redirect(reverse("records:project", args=[found.name]))
    by_label = {record.label: record for record in found.records.filter(label__in=labels)}
    missing = [label for label in labels if label not in by_label]
    if missing:
        raise Http404(f"No record '{missing[0]}' in project '{found.name}'")
    records = [by_label[label] for label in labels]
    documents = [load_stored(record.body) for record in records]
    sections = comparison.compare(documents)
    only_differences = request.GET.get("show") == "differences"
    if only_differences:
        sections = comparison.only_differences(sections)
    context = {
        "project": found,
        "records": records,
        "sections": sections,
        "only_differences": only_differences,
        "changes": comparison.uncommitted_changes(labels, documents),
    }
    return render(request, "web/compare.html", context)


@require_POST
@web_page
def project_access(request, project):
    """Grant, change or remove a user's access, or make the project public or private."""
    found, _ = project_for_page(request, project, Level.ADMIN)
    action = request.POST.get("action")
    try:
        if action == "grant":
            change_grant(request, found)
        elif action == "revoke":
            form = RevokeForm(request.POST)
            if form.is_valid() and operations.do_revoke(
                request.user, found, form.cleaned_data["user"]
            ):
                messages.success(request, f"Removed {form.cleaned_data['user']}'s access.")
        elif action == "visibility":
            form = VisibilityForm(request.POST)
            public = form.is_valid() and form.cleaned_data["public"]
            operations.do_set_public(found, public)
            messages.success(request, VISIBILITY_MESSAGES[public])
    except GrantRefused as refusal:
        messages.error(request, str(refusal))
    return redirect(reverse("records:permissions", args=[found.name]))


def change_grant(request, project) -> None:
    form = GrantForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return
    user, level = form.cleaned_data["user"], Level(form.cleaned_data["level"])
    operations.do_grant(request.user, project, user, level)
    messages.success(request, f"{user.username} may now {level} this project.")


@web_page
def packet_index(request, name=None):
    """Packet names with their counts, or with a query (or a name) the matching packets."""
    reader = packets_reader(request)
    root = display.served_root_or_none()
    query = request.GET.get("q", "").strip()
    packets = Packet.objects.readable(reader)
    packets = packets if name is None else packets.filter(name=name)
    packets, searched = search.find_packets(packets, query)
    if name is None and not query:
        page = paging.page_of(request, display.groups(packets))
    else:
        page = paging.page_of(request, display.newest_packets(packets))
        if name is not None and page.paginator.count == 0 and not query:
            raise Http404(f"No packets called '{name}'")
        page.object_list = display.with_display_names(page.object_list)
    context = {
        "name": name,
        "page": page,
        "grouped": name is None and not query,
        "query": query,
        "search": searched,
        "has_root": root is not None,
        "may_administer": at_least(reader.level, Level.ADMIN),
        "page_sizes": paging.PAGE_SIZES,
    }
    return render(request, "web/packets/index.html", context)


def get_packet(reader, name, packet_id) -> Packet:
    """The packet, if the visitor may read it; otherwise not found, as if it did not exist."""
    return get_object_or_404(Packet.objects.readable(reader), id=packet_id, name=name)


@web_page
def packet_detail(request, name, packet_id):
    reader = packets_reader(request)
    root = display.served_root_or_none()
    packet = get_packet(reader, name, packet_id)
    context = {"packet": packet, **display.packet_view(root, packet, reader)}
    context["lineage"] = lineage.packet_graph(packet, reader, *lineage.depths_of(request))
    return render(request, "web/packets/detail.html", context)


@web_page
def packet_compare(request):
    """Packets side by side: `?id=…&id=…`, 2 to 8 of them, any names."""
    reader = packets_reader(request)
    root = display.served_root_or_none()
    ids = list(dict.fromkeys(request.GET.getlist("id")))
    low, high = packet_comparison.MIN_PACKETS, packet_comparison.MAX_PACKETS
    if not low <= len(ids) <= high:
        messages.error(
            request, f"Choose between {low} and {high} packets to compare (you chose {len(ids)})."
        )
        return redirect(packet_list_of(reader, ids))
    packets = packet_comparison.packets_to_compare(reader, ids)
    sections = packet_comparison.compare(root, packets, reader)
    only_differences = request.GET.get("show") == "differences"
    context = {
        "packets": packets,
        "sections": comparison.only_differences(sections) if only_differences else sections,
        "files": packet_comparison.file_summary(sections),
        "only_differences": only_differences,
        "toggle_url": packet_comparison.query(ids, differences=not only_differences),
    }
    return render(request, "web/packets/compare.html", context)


def packet_list_of(reader, ids) -> str:
    """Where to choose again: the list of the first chosen packet's name, or every name."""
    name = Packet.objects.readable(reader).filter(id__in=ids[:1]).values_list("name", flat=True)
    return reverse("web:packet_group", args=[name[0]]) if name else reverse("web:packets")


def packet_file_on_disk(request, name, packet_id, path):
    reader = packets_reader(request)
    root = display.served_root_or_none()
    packet = get_packet(reader, name, packet_id)
    packet_file = get_object_or_404(packet.files, path=path)
    if root is None:
        return packet, packet_file, None
    try:
        return packet, packet_file, display.file_path_on_disk(root, packet_file)
    except HttpError:
        return packet, packet_file, None


@web_page
def packet_file(request, name, packet_id, path):
    """A page showing one file of a packet: its text or its image, and a download link."""
    packet, packet_file, on_disk = packet_file_on_disk(request, name, packet_id, path)
    kind = display.preview_kind(path) if on_disk else None
    text, truncated = display.text_preview(on_disk) if kind == "text" else (None, False)
    context = {
        "packet": packet,
        "file": packet_file,
        "available": on_disk is not None,
        "kind": "binary" if kind == "text" and text is None else kind,
        "text": text,
        "table": display.table_preview(path, text) if text else None,
        "truncated": truncated,
    }
    return render(request, "web/packets/file.html", context)


@web_page
def packet_download(request, name, packet_id, path):
    """The file's bytes under its own name; `?inline=1` shows an image in the page instead."""
    _, _, on_disk = packet_file_on_disk(request, name, packet_id, path)
    if on_disk is None:
        raise Http404(f"This server does not hold the file '{path}'")
    image = display.preview_kind(path) == "image"
    inline = request.GET.get("inline") == "1" and image
    response = file_response(
        open(on_disk, "rb"),  # noqa: SIM115 - FileResponse closes it when the download ends
        as_attachment=not inline,
        filename=posixpath.basename(path),
        # Anything but an image is bytes to save, never a page (HTML, PDF) for the browser to
        # open under this site's name.
        content_type=display.media_type(path) if image else "application/octet-stream",
    )
    response["Content-Security-Policy"] = FILE_CSP
    return response
