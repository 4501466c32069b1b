"""How the pages answer the access policy's refusals (accounts/access.py).

A page someone may not read answers exactly like one that does not exist (404), so that a
private project's name is never confirmed to a stranger. Anonymous visitors are sent to log in
instead, because they may well be allowed once they have.
"""

import functools

from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError
from django.shortcuts import render

from reprostore.accounts import access
from reprostore.accounts.access import Level, PacketsAccess
from reprostore.lib.http import HttpError, as_http_error
from reprostore.packets import grants
from reprostore.records.models import Project


def web_page(view):
    """Decorate a page view: the policy's and the API's errors become the login page or an
    error page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except HttpError as error:
            return error_page(request, error)
        except DatabaseError as error:
            # A value the database can't hold (NUL in a URL on PostgreSQL) is a 400, a database
            # that is down a 503: the same answers as the APIs give.
            return error_page(request, as_http_error(request, error))

    return wrapper


def error_page(request, error: HttpError):
    """Log in, or a page saying what went wrong; Forbidden is shown as not found."""
    if error.status == 401:
        return redirect_to_login(request.get_full_path())
    status = 404 if error.status in (403, 404) else error.status
    message = "" if error.status == 403 else error.message
    return render(request, "web/error.html", {"status": status, "message": message}, status=status)


def project_for_page(request, name: str, needed: Level = Level.READ) -> tuple[Project, Level]:
    """The project and the visitor's level on it, if it is `needed`; else the policy's error."""
    project = Project.objects.filter(name=name).first()
    return project, access.require_project(request.user, name, project, needed)


def can_read_packets(request) -> bool:
    return grants.may_read_some(request)


def packets_reader(request, needed: Level = Level.READ) -> PacketsAccess:
    """What the visitor may read of the packets, if they may read any (or do `needed`)."""
    return grants.require(request, needed)
