"""Plots across the runs of a project: the page, and its data as JSON for tools.

Both take the project page's search (`?q=` and `?tags=`) and the plot's choices (`view`, `x`,
`y`, `colour`, `axis`); web/plots.py builds the data and draws it.
"""

from django.http import JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse

from reprostore.lib.http import BadRequest, api_view
from reprostore.records.protocol import error_body, raw_query_value
from reprostore.web import plots
from reprostore.web.access import project_for_page, web_page


def search_of(request) -> dict:
    """The project page's search: its query and its tags (as the Sumatra client sends them)."""
    return {"q": request.GET.get("q", "").strip(), "tags": raw_query_value(request, "tags") or ""}


def plot_of(request, project):
    """The plot the request asks for, and the problems with what it asks (search or choices)."""
    project_url = reverse("records:project", args=[project.name])
    return plots.plot_data(project, search_of(request), request.GET, project_url)


@web_page
def plot(request, project):
    found, _ = project_for_page(request, project)
    plot, problems = plot_of(request, found)
    wanted = search_of(request)
    drawn = plots.scatter_svg if plot.choice.view == "scatter" else plots.parallel_svg
    context = {
        "project": found,
        "plot": plot,
        "svg": drawn(plot) if plot.points else None,
        "problems": problems,
        "search_message": plot.search_message,
        "query": wanted["q"],
        "tags": wanted["tags"],
        "records_query": plots.plot_query(wanted, QueryDict()),
        "keys": [(key, plots.key_title(key)) for key in plot.keys],
        # Parallel coordinates read best from the parameters to what came of them.
        "axis_keys": [(key, plots.key_title(key)) for key in plot.keys[2:] + plot.keys[:2][::-1]],
        "views": [
            (view, title, plots.plot_query(wanted, request.GET, view=view))
            for view, title in plots.VIEWS.items()
        ],
        "colour_title": plots.key_title(plot.choice.colour),
        "data_query": plots.plot_query(wanted, request.GET),
        "limit": f"{plots.POINTS_LIMIT:,}",
        "matching": f"{plot.records:,}",
    }
    return render(request, "web/records/plot.html", context)


# Named by its URL name in the request metrics (no protocol's endpoint name).
@api_view(("GET",), envelope=error_body, endpoint=None)
def plot_data(request, project):
    """The points of the plot as JSON; a 400 for a search or a choice that can't be had."""
    found, _ = project_for_page(request, project)
    plot, problems = plot_of(request, found)
    if plot.search_message or problems:
        raise BadRequest(plot.search_message or " ".join(problems))
    return JsonResponse({"project": found.name, **plot.as_json()})
