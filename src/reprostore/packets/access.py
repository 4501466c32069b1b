"""Who may use the outpack API: one policy, checked by every route.

outpack_server has no authentication and pyorderly's plain http location sends none, so by
default (`REPROSTORE_OUTPACK_ANONYMOUS = "write"`) anyone may read and push. A store can lower
that to "read" or "none"; signed-in users may always read, and pushing then needs the
`packets.add_packet` permission.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from reprostore.accounts.auth import request_user, uses_session

from .errors import Forbidden, Unauthorized

NONE, READ, WRITE = "none", "read", "write"
ANONYMOUS_LEVELS = (WRITE, READ, NONE)
RANK = {NONE: 0, READ: 1, WRITE: 2}


def anonymous_level():
    level = getattr(settings, "REPROSTORE_OUTPACK_ANONYMOUS", WRITE)
    if level not in ANONYMOUS_LEVELS:
        raise ImproperlyConfigured(
            f"REPROSTORE_OUTPACK_ANONYMOUS is '{level}'; use one of {', '.join(ANONYMOUS_LEVELS)}"
        )
    return level


def outpack_access(request):
    """(user, level): what this request may do with the outpack API.

    The routes are exempt from CSRF checks (clients send no token), so a browser session
    only ever earns read access: another site could otherwise make a signed-in browser push.
    Clients that push sign in with HTTP Basic or a bearer token on each request.
    """
    user = request_user(request)
    level = anonymous_level()
    if user.is_authenticated:
        may_push = user.has_perm("packets.add_packet") and not uses_session(request)
        level = max(level, WRITE if may_push else READ, key=RANK.get)
    return user, level


def ensure_access(request, needed):
    """Raise 401 (anonymous) or 403 (signed in) unless the request may do `needed`."""
    user, level = outpack_access(request)
    if RANK[level] >= RANK[needed]:
        return user
    action = "push packets to" if needed == WRITE else "read"
    if not user.is_authenticated:
        raise Unauthorized(f"You must sign in to {action} this outpack location")
    how = " with a browser session; use HTTP Basic or a token" if uses_session(request) else ""
    raise Forbidden(f"User '{user.get_username()}' may not {action} this outpack location{how}")
