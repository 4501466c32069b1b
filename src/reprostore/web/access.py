"""Who may see what in the web pages: the projects' grants and the outpack location's policy.

A page someone may not read answers exactly like one that does not exist (404), so that a
private project's name is never confirmed to a stranger. Anonymous visitors are sent to log in
instead, because they may well be allowed once they have.
"""

import functools

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from reprostore.packets.access import RANK, READ, outpack_access
from reprostore.records.models import LEVEL_RANK, Level, Project
from reprostore.records.permissions import user_level


class LoginRequired(Exception):
    """The page might be readable after logging in."""


def project_and_level(user, name: str) -> tuple[Project | None, Level | None]:
    """The project called `name` and the user's level on it; (None, None) if there is none."""
    project = Project.objects.filter(name=name).first()
    return project, (user_level(user, project) if project else None)


def get_project_for_page(request, name: str, needed: Level = Level.READ) -> Project:
    """The project, if the visitor holds `needed` on it; otherwise LoginRequired or 404."""
    project, level = project_and_level(request.user, name)
    if level is not None and LEVEL_RANK[level] >= LEVEL_RANK[needed]:
        return project
    if not request.user.is_authenticated:
        raise LoginRequired
    raise Http404(f"No project '{name}' here, or you may not {needed} it")


def can_read_packets(request) -> bool:
    _, level = outpack_access(request)
    return RANK[level] >= RANK[READ]


def ensure_packets_readable(request) -> None:
    if can_read_packets(request):
        return
    if not request.user.is_authenticated:
        raise LoginRequired
    raise Http404("You may not read packets here")


def web_page(view):
    """Decorate a page view: LoginRequired becomes a redirect to the login page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except LoginRequired:
            return redirect_to_login(request.get_full_path())

    return wrapper
