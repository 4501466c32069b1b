"""HTML renderings of the Sumatra resources, built from the same data as their JSON.

records/views.py calls these when a client asks for `text/html` (browsers do) or
`?format=html`, so the project, record and permissions pages live at the protocol's own URLs.
"""

import json

from django.contrib.auth.views import redirect_to_login
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse

from reprostore.records.listing import parse_tags
from reprostore.records.models import Level
from reprostore.records.permissions import allows
from reprostore.web import paging, search
from reprostore.web import records as shown

# Captured output and diffs can be many megabytes; the page shows this much of each.
LONG_TEXT_SHOWN = 500_000
COLUMN_HEADINGS = [
    ("label", "Label"),
    ("timestamp", "Timestamp"),
    ("reason", "Reason"),
    ("outcome", "Outcome"),
    ("duration", "Duration"),
    ("main_file", "Main file"),
    ("version", "Version"),
]


def project_page(request, project, data, records):
    """The project's records: narrowed by the query, sorted and paged on the server."""
    query = request.GET.get("q", "").strip()
    records, search_message = search.search_records(records, query)
    sort = shown.sort_key(request.GET.get("sort"))
    page = paging.page_of(
        shown.table_records(shown.sorted_records(records, sort)),
        request.GET.get("page"),
        paging.page_size(request.GET.get("per_page")),
    )
    project_url = reverse("records:project", args=[project.name])
    context = {
        "project": project,
        "data": data,
        "page": page,
        "rows": shown.table_rows(page.items, project_url),
        "sort": sort,
        "columns": COLUMN_HEADINGS,
        "query": query,
        "search_message": search_message,
        "active_tags": parse_tags(data.get("tags")),
        "tags": shown.project_tags(project),
        "page_sizes": paging.PAGE_SIZES,
        "is_admin": allows(request.api_user, project, Level.ADMIN),
    }
    return render(request, "records/project_detail.html", context)


def shortened(text) -> tuple[str, bool]:
    text = text if isinstance(text, str) else ""
    return text[:LONG_TEXT_SHOWN], len(text) > LONG_TEXT_SHOWN


def record_page(request, project, record):
    document = json.loads(record.body)
    output, output_cut = shortened(document.get("stdout_stderr"))
    diff, diff_cut = shortened(document.get("diff"))
    context = {
        "project": project,
        "record": record,
        "document": document,
        "view": shown.record_view(document),
        "output": output,
        "output_cut": output_cut,
        "diff": diff,
        "diff_cut": diff_cut,
        "history": shown.revision_history(record),
        "repeats_here": repeats_here(project, document),
    }
    return render(request, "records/record_detail.html", context)


def repeats_here(project, document: dict) -> bool:
    """Whether the record this one repeats is in the project, to link it."""
    repeated = document.get("repeats")
    return isinstance(repeated, str) and project.records.filter(label=repeated).exists()


def permissions_page(request, project, data):
    return render(
        request,
        "records/project_permissions.html",
        {"project": project, "data": data, "levels": Level.choices},
    )


def error_page(request, error):
    """An API error met by a person in a browser: log in, or a page saying what went wrong.

    Forbidden is shown as not found, like every page here, so a stranger learns nothing about
    a private project from its URL.
    """
    if error.status == 401:
        return redirect_to_login(request.get_full_path())
    status = 404 if error.status in (403, 404) else error.status
    message = "" if error.status == 403 else error.message
    return render(request, "web/error.html", {"status": status, "message": message}, status=status)


def project_list_page(request, projects):
    """The Sumatra project list as a page: the same table as the home page."""
    projects = projects.annotate(record_count=Count("records"))
    return render(request, "records/project_list.html", {"projects": projects})
