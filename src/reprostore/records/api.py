"""The plumbing every Sumatra API view shares: methods, who is asking, CSRF, errors."""

import functools
import logging

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from reprostore.accounts.auth import request_user, uses_session
from reprostore.records import errors
from reprostore.records.negotiation import choose, is_html

log = logging.getLogger(__name__)


def _csrf_failure(request) -> HttpResponse | None:
    # Basic-auth clients (smt) cannot carry a CSRF token; browsers logged in by a session can and
    # must, because a browser sends its cookie on any cross-site request.
    if request.method in ("GET", "HEAD", "OPTIONS") or not uses_session(request):
        return None
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})


def sumatra_api(*methods: str):
    """Decorate a view of the Sumatra API: allowed methods, `request.api_user`, rendered errors."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in allowed:
                allow = ", ".join(sorted(allowed))
                response = errors.render(
                    errors.MethodNotAllowed(
                        f"{request.method} is not allowed here (allowed: {allow})"
                    )
                )
                response["Allow"] = allow
                return response
            if failure := _csrf_failure(request):
                return failure
            try:
                request.api_user = request_user(request)
                return view(request, *args, **kwargs)
            except errors.ApiError as error:
                return render_error(request, error)
            except RequestDataTooBig:
                return errors.render(errors.TooLarge("The request body is too large"))
            except (OperationalError, InterfaceError) as error:
                # A database that is down or a lock that did not clear: say so, so that the
                # client reports a failure instead of believing the record was kept.
                log.warning("database unavailable: %s", error)
                return errors.render(errors.Unavailable(f"The database is unavailable: {error}"))
            except DatabaseError as error:
                log.exception("database error")
                return errors.render(
                    errors.Unavailable(f"The database refused the request: {error}")
                )

        return wrapper

    return decorate


def render_error(request, error: errors.ApiError) -> HttpResponse:
    """A person in a browser gets a page (or the login form); a client gets the JSON error."""
    if wants_html(request):
        from reprostore.web.pages import error_page

        return error_page(request, error)
    return errors.render(error)


def wants_html(request) -> bool:
    try:
        return is_html(choose(request, "project"))
    except errors.ApiError:
        return False


def read_body(request) -> bytes:
    return request.body
