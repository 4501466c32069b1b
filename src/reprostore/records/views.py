"""The Sumatra record store API (the server side of sumatra's HttpRecordStore)."""

import json

from django.contrib.auth import get_user_model
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from reprostore.records import listing, store
from reprostore.records.api import read_body, sumatra_api
from reprostore.records.errors import BadRequest, NotFound
from reprostore.records.models import Level, ProjectPermission
from reprostore.records.negotiation import choose, is_html, raw_query_value
from reprostore.records.permissions import get_project, grant, readable_projects

LISTING_CHUNK = 2000


def json_response(data, media: str, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, default=str), status=status, content_type=f"{media}; charset=utf-8"
    )


def login_redirect(request):
    return redirect(f"{reverse('login')}?next={request.get_full_path()}")


@sumatra_api("GET")
def project_list(request):
    media = choose(request, "project-list")
    user = request.api_user
    if not user.is_authenticated:
        if is_html(media):
            return login_redirect(request)
        # Challenge even here: httplib2 never sends credentials unasked, so without a 401 the
        # client would only ever see public projects.
        raise store.Unauthorized("Authentication required")
    projects = listing.projects_with_last_update(readable_projects(user))
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
    if is_html(media):
        from reprostore.web.pages import project_list_page

        return project_list_page(request, projects)
    return json_response(data, media)


@sumatra_api("GET", "PUT")
def project(request, project):
    if request.method == "PUT":
        info = store.project_info(read_body(request))
        found, created = store.do_put_project(request.api_user, project, info)
        return HttpResponse("Created" if created else "", status=201 if created else 200)
    media = choose(request, "project")
    found, level = get_project(request.api_user, project, Level.READ)
    tags_value = raw_query_value(request, "tags")
    records = listing.records_of(found, listing.parse_tags(tags_value))
    data = project_document(request, found, tags_value, level)
    if is_html(media):
        # The page reads `?q=` itself: from a form (spaces as '+'), showing errors in place.
        return render_project_page(request, found, data, records)
    query = raw_query_value(request, "q")
    if query:
        records = select_by_query(found, records, query)
    return StreamingHttpResponse(
        stream_project(request, data, records), content_type=f"{media}; charset=utf-8"
    )


def select_by_query(project, records, query: str):
    """Records matching an outpack-style query (see the query app); 400 with its message."""
    from reprostore.query.records import select_records

    try:
        return select_records(records, query)
    except ValueError as error:
        raise BadRequest(str(error)) from error


def project_document(request, project, tags_value, level) -> dict:
    user = request.api_user
    data = {
        "id": project.name,
        "name": project.display_name,
        "description": project.description,
        "user": user.username if user.is_authenticated else "anonymous",
        "tags": tags_value,
    }
    if user.is_authenticated:
        data["access"] = list(
            ProjectPermission.objects.filter(project=project)
            .order_by("user__username")
            .values_list("user__username", flat=True)
        )
    return data


def stream_project(request, data: dict, records):
    """The project document with its record URLs, written as the rows arrive: a project of
    100,000 records never sits in memory at once."""
    base = request.build_absolute_uri(reverse("records:project", args=[data["id"]]))
    yield json.dumps(data)[:-1] + ', "records": ['
    labels = records.values_list("label", flat=True).iterator(chunk_size=LISTING_CHUNK)
    for position, label in enumerate(labels):
        yield ("," if position else "") + json.dumps(f"{base}{listing.path_part(label)}/")
    yield "]}"


def render_project_page(request, project, data, records):
    from reprostore.web.pages import project_page

    return project_page(request, project, data, records)


@sumatra_api("GET", "PUT", "DELETE")
def record(request, project, label):
    if request.method == "PUT":
        found, _ = get_project(request.api_user, project, Level.WRITE)
        created = store.do_save_record(request.api_user, found, label, read_body(request))
        return HttpResponse("Created" if created else "", status=201 if created else 200)
    if request.method == "DELETE":
        found, _ = get_project(request.api_user, project, Level.WRITE)
        store.do_delete_record(request.api_user, found, label)
        return HttpResponse(status=204)
    media = choose(request, "record")
    found, _ = get_project(request.api_user, project, Level.READ)
    return record_response(request, found, found.records.filter(label=label).first(), media)


def record_response(request, project, found, media: str) -> HttpResponse:
    if found is None:
        raise NotFound(f"No such record in project '{project.name}'")
    if is_html(media):
        from reprostore.web.pages import record_page

        return record_page(request, project, found)
    # The document exactly as the client sent it: never re-serialised.
    return HttpResponse(found.body, content_type=f"{media}; charset=utf-8")


@sumatra_api("GET", "PUT", "DELETE")
def last_record(request, project):
    if request.method != "GET":
        raise BadRequest("The label 'last' is reserved for the most recent record; choose another")
    media = choose(request, "record")
    found, _ = get_project(request.api_user, project, Level.READ)
    return record_response(request, found, listing.records_of(found).first(), media)


@sumatra_api("GET", "DELETE")
def tagged(request, project, tag):
    if request.method == "DELETE":
        found, _ = get_project(request.api_user, project, Level.WRITE)
        deleted = store.do_delete_tagged(request.api_user, found, tag)
        # The client does int(body).
        return HttpResponse(str(deleted), content_type="text/plain; charset=utf-8")
    media = choose(request, "project")
    found, level = get_project(request.api_user, project, Level.READ)
    data = project_document(request, found, tag, level)
    records = listing.records_of(found, [tag])
    if is_html(media):
        return render_project_page(request, found, data, records)
    return StreamingHttpResponse(
        stream_project(request, data, records), content_type=f"{media}; charset=utf-8"
    )


@sumatra_api("GET", "POST")
def permissions(request, project):
    found, level = get_project(request.api_user, project, Level.ADMIN)
    if request.method == "POST":
        user, new_level = permission_change(request)
        grant(found, user, new_level)
        if is_html_form(request):
            return redirect(reverse("records:permissions", args=[found.name]))
        return HttpResponse(status=204)
    media = choose(request, "permissions")
    grants = [
        {"user": grant_row.user.username, "level": grant_row.level}
        for grant_row in ProjectPermission.objects.filter(project=found)
        .select_related("user")
        .order_by("user__username")
    ]
    data = {"id": found.name, "public": found.public, "permissions": grants}
    if is_html(media):
        from reprostore.web.pages import permissions_page

        return permissions_page(request, found, data)
    return json_response(data, media)


def is_html_form(request) -> bool:
    return request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


def permission_change(request):
    """(user, level) from a form or a JSON body `{"user": name, "level": "read"}`."""
    if is_html_form(request):
        fields = request.POST
    else:
        fields = store.documents.parse_json(read_body(request), "permission")
        if not isinstance(fields, dict):
            raise BadRequest("A permission must be a JSON object")
    username, level = fields.get("user"), fields.get("level")
    if level not in Level.values:
        raise BadRequest(f"Invalid level '{level}': use read, write or admin")
    user = (
        get_user_model().objects.filter(username=username, is_active=True).first()
        if isinstance(username, str)
        else None
    )
    if user is None:
        raise BadRequest(f"No such user '{username}'")
    return user, Level(level)
