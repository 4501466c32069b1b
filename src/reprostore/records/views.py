"""The Sumatra record store API (the server side of sumatra's HttpRecordStore), in JSON.

The same URLs answer browsers with pages: the site's URL configuration pairs each view here
with its page in the web app (`lib.http.negotiated`).
"""

import json

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse

from reprostore.accounts import access
from reprostore.accounts.access import Level
from reprostore.lib import provenance as prov_formats
from reprostore.lib.http import BadRequest, NotFound, Unauthorized, UnsupportedMediaType
from reprostore.lib.large_bodies import large_body_slot
from reprostore.query.limits import selected
from reprostore.records import listing, operations, provenance
from reprostore.records.documents import parse_json
from reprostore.records.forms import GrantForm
from reprostore.records.models import Project, ProjectPermission, project_with_grant
from reprostore.records.protocol import (
    chosen_media,
    provenance_format,
    raw_query_value,
    sumatra_api,
)
from reprostore.records.search import select_records

# A project's PROV is built in memory by the `prov` library, holding up the server process all
# the while: a thousand records took 8 s to build, and 3 s more to write as PROV-JSON or 22 s as
# PROV-O (rdflib), on the development machine (docs/api.md, "Exporting provenance").
MAX_EXPORTED_RECORDS = 1000


def json_response(data, media: str, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, default=str), status=status, content_type=f"{media}; charset=utf-8"
    )


def get_project(user, name: str, needed: Level) -> tuple[Project, Level]:
    """The project and the user's level on it, or the access policy's refusal."""
    project = project_with_grant(name, user)
    return project, access.require_project(user, name, project, needed)


@sumatra_api("GET", name="project_list")
def project_list(request):
    media = chosen_media(request, "project-list")
    if not request.user.is_authenticated:
        # Challenge even here: httplib2 never sends credentials unasked, so without a 401 the
        # client would only ever see public projects.
        raise Unauthorized("Authentication required")
    projects = listing.projects_with_last_update(Project.objects.readable_by(request.user))
    base = request.build_absolute_uri(request.path)
    data = [
        {
            "id": project.name,
            "name": project.display_name,
            "description": project.description,
            "uri": f"{base}{listing.path_part(project.name)}/",
            "last_updated": project.last_updated.strftime("%Y-%m-%dT%H:%M:%SZ")
            if project.last_updated
            else "1970-01-01T00:00:00",
        }
        for project in projects
    ]
    return json_response(data, media)


@sumatra_api("GET", "PUT", name="project")
def project(request, project):
    if request.method == "PUT":
        info = operations.project_info(request.body)
        _, created = operations.do_put_project(request.user, project, info)
        return HttpResponse("Created" if created else "", status=201 if created else 200)
    media = chosen_media(request, "project", with_provenance=True)
    found, level = get_project(request.user, project, Level.READ)
    tags_value = raw_query_value(request, "tags")
    records = listing.records_of(found, listing.parse_tags(tags_value))
    query = raw_query_value(request, "q")
    if query:
        records = select_by_query(found, records, query)
    if export := provenance_format(media):
        return project_provenance(request, found, records, export)
    return stream_project(
        request, project_document(request.user, found, tags_value, level), records, media
    )


def project_provenance(request, project, records, export) -> HttpResponse:
    """The records (all, or those `?tags=` or `?q=` select) as W3C PROV, up to a size the
    server builds in seconds; the command line exports any number."""
    count = records.count()
    if count > MAX_EXPORTED_RECORDS:
        raise BadRequest(
            f"Project '{project.name}' has {count} records to export, more than the "
            f"{MAX_EXPORTED_RECORDS} the server exports at once: choose some with ?tags= or "
            f"?q=, or run `reprostore export prov --project {project.name}` on the server"
        )
    document = provenance.project_document(project, records_url(request), records)
    return prov_formats.response(document, export, project.name)


def select_by_query(project, records, query: str):
    """Records matching an outpack-style query (see the query app); 400 with its message."""
    try:
        return selected(records, lambda universe: select_records(universe, query))
    except ValueError as error:
        raise BadRequest(str(error)) from error


def project_document(user, project, tags_value, level: Level) -> dict:
    """The project as Sumatra's client reads it; who holds grants (`access`) only for its
    admins, who manage them: readers of a project need not learn who else works on it."""
    data = {
        "id": project.name,
        "name": project.display_name,
        "description": project.description,
        "user": user.username if user.is_authenticated else "anonymous",
        "tags": tags_value,
    }
    if access.at_least(level, Level.ADMIN):
        data["access"] = list(
            ProjectPermission.objects.filter(project=project)
            .order_by("user__username")
            .values_list("user__username", flat=True)
        )
    return data


def stream_project(request, data: dict, records, media: str) -> StreamingHttpResponse:
    """The project document with its record URLs, written as the rows arrive: a project of
    100,000 records never sits in memory at once."""
    base = request.build_absolute_uri(reverse("records:project", args=[data["id"]]))
    chunks = listing.project_json(data, records, base)
    return StreamingHttpResponse(chunks, content_type=f"{media}; charset=utf-8")


@sumatra_api("GET", "PUT", "DELETE", name="record")
def record(request, project, label):
    if request.method == "PUT":
        found, _ = get_project(request.user, project, Level.WRITE)
        with large_body_slot(request):
            created = operations.do_save_record(request.user, found, label, request.body)
        return HttpResponse("Created" if created else "", status=201 if created else 200)
    if request.method == "DELETE":
        found, _ = get_project(request.user, project, Level.WRITE)
        operations.do_delete_record(request.user, found, label)
        return HttpResponse(status=204)
    media = chosen_media(request, "record", with_provenance=True)
    found, _ = get_project(request.user, project, Level.READ)
    record = found.records.filter(label=label).first()
    if (export := provenance_format(media)) and record is not None:
        document = provenance.record_document(found, record, records_url(request))
        return prov_formats.response(document, export, f"{found.name}-{label}")
    return record_response(found, record, media)


def records_url(request) -> str:
    """Where the Sumatra resources are, absolute: the namespace of their PROV identifiers."""
    return request.build_absolute_uri(reverse("records:project_list"))


def record_response(project, found, media: str) -> HttpResponse:
    if found is None:
        raise NotFound(f"No such record in project '{project.name}'")
    # The document exactly as the client sent it: never re-serialised.
    return HttpResponse(found.body, content_type=f"{media}; charset=utf-8")


@sumatra_api("GET", "PUT", "DELETE", name="last")
def last_record(request, project):
    if request.method != "GET":
        raise BadRequest("The label 'last' is reserved for the most recent record; choose another")
    media = chosen_media(request, "record")
    found, _ = get_project(request.user, project, Level.READ)
    return record_response(found, listing.records_of(found).first(), media)


@sumatra_api("GET", "DELETE", name="tagged")
def tagged(request, project, tag):
    if request.method == "DELETE":
        found, _ = get_project(request.user, project, Level.WRITE)
        deleted = operations.do_delete_tagged(request.user, found, tag)
        # The client does int(body).
        return HttpResponse(str(deleted), content_type="text/plain; charset=utf-8")
    media = chosen_media(request, "project")
    found, level = get_project(request.user, project, Level.READ)
    data = project_document(request.user, found, tag, level)
    return stream_project(request, data, listing.records_of(found, [tag]), media)


@sumatra_api("GET", "POST", name="permissions")
def permissions(request, project):
    found, _ = get_project(request.user, project, Level.ADMIN)
    if request.method == "POST":
        user, level = permission_change(request)
        operations.do_grant(request.user, found, user, level)
        return HttpResponse(status=204)
    media = chosen_media(request, "permissions")
    return json_response(permissions_document(found), media)


def permissions_document(project) -> dict:
    return {
        "id": project.name,
        "public": project.public,
        "permissions": operations.grants_of(project),
    }


def permission_change(request):
    """(user, level) from a JSON body `{"user": name, "level": "read"}`.

    Only a body declared as JSON is read: no form can send that type to another site, and a
    form's `text/plain` body can be made to parse as JSON.
    """
    if request.content_type != "application/json" and not request.content_type.endswith("+json"):
        raise UnsupportedMediaType(
            f"Send the permission as JSON (Content-Type: application/json), not "
            f"'{request.content_type or 'no type'}'"
        )
    fields = parse_json(request.body, "permission")
    if not isinstance(fields, dict):
        raise BadRequest("A permission must be a JSON object")
    form = GrantForm({key: value for key, value in fields.items() if isinstance(value, str)})
    if not form.is_valid():
        raise BadRequest(form.first_error())
    return form.cleaned_data["user"], Level(form.cleaned_data["level"])
