"""What the search boxes offer while someone types: names, as JSON for static/web/search.js.

A project offers its parameter names and tags; the packets their parameter names and packet
names. `?q=` narrows them to those containing it (case ignored), those starting with it first.
The boxes work without this: it is only asked by the script.
"""

from django.http import JsonResponse

from reprostore.accounts import access
from reprostore.accounts.access import Level
from reprostore.lib.http import NotFound, Unauthorized, api_view
from reprostore.packets import grants
from reprostore.packets.models import Packet, PacketParameter
from reprostore.records.models import Project
from reprostore.web.parameter_columns import project_parameter_names
from reprostore.web.record_display import project_tags

SHOWN = 20


def error_body(error) -> JsonResponse:
    return JsonResponse({"error": error.message})


def suggestions_view(name: str):
    return api_view(["GET"], envelope=error_body, endpoint=f"web:{name}")


@suggestions_view("project_suggestions")
def project_suggestions(request, project):
    found = readable_project(request, project)
    fragment = request.GET.get("q", "")
    tags = [tag["name"] for tag in project_tags(found)]
    return JsonResponse(
        {
            "parameters": matching(project_parameter_names(found), fragment),
            "tags": matching(tags, fragment),
        }
    )


@suggestions_view("packet_suggestions")
def packet_suggestions(request):
    packets = Packet.objects.readable(readable_packets(request))
    fragment = request.GET.get("q", "")
    parameters = (
        PacketParameter.objects.filter(packet__in=packets)
        .values_list("name", flat=True)
        .order_by("name")
        .distinct()
    )
    names = packets.values_list("name", flat=True).order_by("name").distinct()
    return JsonResponse(
        {
            "parameters": matching(list(parameters), fragment),
            "names": matching(list(names), fragment),
        }
    )


def readable_project(request, name: str) -> Project:
    """The project if the caller may read it; else 404, as for a project that does not exist.

    A script asks with the page's session or with nothing: an anonymous caller gets no
    challenge, and no hint that a private project exists.
    """
    project = Project.objects.filter(name=name).first()
    try:
        access.require_project(request.user, name, project, Level.READ)
    except Unauthorized:
        raise NotFound(f"Project '{name}' does not exist") from None
    return project


def readable_packets(request):
    try:
        return grants.require(request, Level.READ)
    except Unauthorized:
        raise NotFound("No packets here") from None


def matching(names: list[str], fragment: str) -> list[str]:
    """At most SHOWN of `names` containing `fragment`: those that start with it first."""
    wanted = fragment.strip().lower()
    starting = [name for name in names if name.lower().startswith(wanted)]
    first = set(starting)
    containing = [name for name in names if wanted in name.lower() and name not in first]
    return (starting + containing)[:SHOWN]
