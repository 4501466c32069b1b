"""The pages of the Sumatra resources, at the protocol's own URLs.

The site's URL configuration pairs each with its JSON view in records/views.py: a browser
(`Accept: text/html`) or `?format=html` gets these. Each builds the same data as the JSON.
"""

from django.db.models import Count
from django.shortcuts import redirect, render

from reprostore.accounts.access import Level, at_least
from reprostore.lib.http import NotFound, Unauthorized
from reprostore.records import listing
from reprostore.records.documents import load_stored
from reprostore.records.models import Project
from reprostore.records.protocol import raw_query_value
from reprostore.records.views import permissions_document, project_document
from reprostore.web import lineage, paging, parameter_columns, record_editing, search
from reprostore.web import record_display as display
from reprostore.web.access import project_for_page, web_page

# Captured output and diffs can be many megabytes; the page shows this much of each.
LONG_TEXT_SHOWN = 500_000


@web_page
def project_list(request):
    """The Sumatra project list as a page: the same table as the home page."""
    if not request.user.is_authenticated:
        raise Unauthorized("Authentication required")
    projects = listing.projects_with_last_update(Project.objects.readable_by(request.user))
    projects = projects.annotate(record_count=Count("records"))
    return render(request, "web/records/project_list.html", {"projects": projects})


@web_page
def project(request, project):
    found, level = project_for_page(request, project)
    tags_value = raw_query_value(request, "tags")
    records = listing.records_of(found, listing.parse_tags(tags_value))
    return project_page(
        request, found, level, project_document(request.user, found, tags_value, level), records
    )


@web_page
def tagged(request, project, tag):
    found, level = project_for_page(request, project)
    records = listing.records_of(found, [tag])
    data = project_document(request.user, found, tag, level)
    return project_page(request, found, level, data, records)


def project_page(request, project, level, data, records):
    """The project's records: narrowed by the query and the status, sorted and paged on the
    server, with the parameter columns chosen."""
    one_value = parameter_columns.one_columns_value(request)
    if one_value is not None:
        return redirect(one_value)
    query = request.GET.get("q", "").strip()
    records, searched = search.find_records(records, query)
    tags = display.project_tags(project)
    context = {
        "project": project,
        "data": data,
        **display.records_table(request, project, records, tags),
        "query": query,
        "search": searched,
        "active_tags": listing.parse_tags(data.get("tags")),
        "tags": tags,
        "page_sizes": paging.PAGE_SIZES,
        "is_admin": at_least(level, Level.ADMIN),
        "may_write": at_least(level, Level.WRITE),
    }
    return render(request, "web/records/project_detail.html", context)


@web_page
def record(request, project, label):
    found, level = project_for_page(request, project)
    return record_page(request, found, found.records.filter(label=label).first(), level)


@web_page
def last_record(request, project):
    found, level = project_for_page(request, project)
    return record_page(request, found, listing.records_of(found).first(), level)


def shortened(text) -> tuple[str, bool]:
    text = text if isinstance(text, str) else ""
    return text[:LONG_TEXT_SHOWN], len(text) > LONG_TEXT_SHOWN


def record_page(request, project, record, level=None):
    if record is None:
        raise NotFound(f"No such record in project '{project.name}'")
    document = load_stored(record.body)
    output, output_cut = shortened(document.get("stdout_stderr"))
    diff, diff_cut = shortened(document.get("diff"))
    context = {
        "project": project,
        "record": record,
        "document": document,
        "view": display.record_view(document),
        "output": output,
        "output_cut": output_cut,
        "diff": diff,
        "diff_cut": diff_cut,
        "history": display.revision_history(record),
        "repeats_here": repeats_here(project, document),
        "lineage": lineage.record_graph(record, *lineage.depths_of(request)),
        "edit": record_editing.edit_context(record, document, level),
    }
    return render(request, "web/records/record_detail.html", context)


def repeats_here(project, document: dict) -> bool:
    """Whether the record this one repeats is in the project, to link it."""
    repeated = document.get("repeats")
    return isinstance(repeated, str) and project.records.filter(label=repeated).exists()


@web_page
def permissions(request, project):
    found, _ = project_for_page(request, project, Level.ADMIN)
    context = {"project": found, "data": permissions_document(found), "levels": Level.choices}
    return render(request, "web/records/project_permissions.html", context)
