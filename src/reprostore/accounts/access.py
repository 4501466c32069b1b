"""The access policy: what a user may do with a Sumatra project and with the packets.

Every surface (the Sumatra API, the outpack API, the pages, the commands) asks here, and every
refusal is one of the errors below; each surface renders it its own way (a challenge or 403 for
an API, the login page or a 404 for a page). Grants are stored beside what they grant: a project
answers `granted_level(user)` and `public`, the packets' levels come from the settings.

Levels: read < write < admin. Superusers may do anything. A public project may be read by
anyone, anonymous included; writing always needs a signed-in user with a grant.
"""

from django.db import models

from reprostore.lib.conf import OUTPACK_ANONYMOUS_LEVELS, setting
from reprostore.lib.http import BadRequest, Forbidden, NotFound, Unauthorized


class Level(models.TextChoices):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


RANK = {None: 0, Level.READ: 1, Level.WRITE: 2, Level.ADMIN: 3}
# What each value REPROSTORE_OUTPACK_ANONYMOUS may take means.
ANONYMOUS_PACKET_LEVELS = {
    name: Level(name) if name != "none" else None for name in OUTPACK_ANONYMOUS_LEVELS
}


def at_least(level, needed) -> bool:
    return RANK[Level(level) if level else None] >= RANK[needed]


# Sumatra projects


def project_level(user, project) -> Level | None:
    """The highest level `user` holds on `project`, or None."""
    if user.is_authenticated and user.is_superuser:
        return Level.ADMIN
    level = project.granted_level(user) if user.is_authenticated else None
    if level is None and project.public:
        return Level.READ
    return Level(level) if level else None


def require_project(user, name: str, project, needed: Level) -> Level:
    """The user's level on `project` (None if there is no such project) if it is `needed`.

    An anonymous caller gets the challenge for anything not public, even for unknown projects,
    so that httplib2 sends its credentials and existence is not revealed before it does.
    """
    level = project_level(user, project) if project is not None else None
    if at_least(level, needed):
        return level
    if not user.is_authenticated:
        raise Unauthorized("Authentication required")
    if project is None:
        raise NotFound(f"Project '{name}' does not exist")
    raise Forbidden(f"You may not {needed} project '{name}'")


def may_create_project(user) -> None:
    if not user.is_authenticated:
        raise Unauthorized("Authentication required")
    if not (setting("REPROSTORE_ALLOW_PROJECT_CREATION") or user.is_superuser):
        raise Forbidden("Only administrators may create projects on this server")


class GrantRefused(BadRequest):
    """A grant change the rules forbid; the message says why."""


def check_grant_change(actor, project, user) -> None:
    """Whether `actor` may lower or remove `user`'s grant on `project`.

    A project admin who lowers their own grant could not undo it, and a project could be left
    with nobody to administer it; superusers and the command line (`actor` None) may.
    """
    if actor is not None and user == actor and not actor.is_superuser:
        raise GrantRefused(
            f"You can't lower or remove your own access to '{project.name}'; "
            "ask another admin of the project"
        )


def grant_change_needs_check(level: Level | None) -> bool:
    """Raising one's own grant to admin is never a loss of access; anything else may be."""
    return level != Level.ADMIN


# The outpack location


def anonymous_packet_level() -> Level | None:
    return ANONYMOUS_PACKET_LEVELS[setting("REPROSTORE_OUTPACK_ANONYMOUS")]


def packets_level(user, via_session: bool) -> Level | None:
    """What `user` may do with the packets.

    The outpack routes take no CSRF token (clients send none), so a browser session only ever
    earns read access: another site could otherwise make a signed-in browser push. Clients that
    push sign in with HTTP Basic or a bearer token on each request.
    """
    level = anonymous_packet_level()
    if user.is_authenticated:
        may_push = user.has_perm("packets.add_packet") and not via_session
        earned = Level.WRITE if may_push else Level.READ
        level = earned if RANK[earned] > RANK[level] else level
    return level


def require_packets(user, needed: Level, via_session: bool) -> None:
    """Raise 401 (anonymous) or 403 (signed in) unless `user` may do `needed` with packets."""
    if at_least(packets_level(user, via_session), needed):
        return
    action = "push packets to" if needed == Level.WRITE else "read"
    if not user.is_authenticated:
        raise Unauthorized(f"You must sign in to {action} this outpack location")
    how = " with a browser session; use HTTP Basic or a token" if via_session else ""
    raise Forbidden(f"User '{user.get_username()}' may not {action} this outpack location{how}")


def may_read_packets(user, via_session: bool) -> bool:
    return at_least(packets_level(user, via_session), Level.READ)
