"""HTML renderings of the Sumatra resources, built from the same data as their JSON."""

import json

from django.shortcuts import render

from reprostore.records.models import Revision

PAGE_SIZE = 50


def project_page(request, project, data, records):
    return render(
        request,
        "records/project_detail.html",
        {"project": project, "data": data, "records": records[:PAGE_SIZE]},
    )


def record_page(request, project, record):
    document = json.loads(record.body)
    revisions = Revision.objects.filter(project=project, label=record.label).order_by("created")
    return render(
        request,
        "records/record_detail.html",
        {"project": project, "record": record, "document": document, "revisions": revisions},
    )


def permissions_page(request, project, data):
    return render(request, "records/project_permissions.html", {"project": project, "data": data})
