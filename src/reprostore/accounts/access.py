"""The access policy: what a user may do with a Sumatra project and with the packets.

Every surface (the Sumatra API, the outpack API, the pages, the commands) asks here, and every
refusal is one of the errors below; each surface renders it its own way (a challenge or 403 for
an API, the login page or a 404 for a page). Grants are stored beside what they grant: a project
answers `granted_level(user)` and `public`; the packets' grants are handed in as (level, name)
pairs, with REPROSTORE_OUTPACK_ANONYMOUS as a floor for everyone.

Levels: read < write < admin. Superusers may do anything. A public project may be read by
anyone, anonymous included; writing always needs a signed-in user with a grant.
"""

from dataclasses import dataclass

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
    so that httplib2 sends its credentials and existence is not revealed before it does. A
    signed-in user who may not read a project gets exactly the answer for a missing one, so
    that nobody can list the names of private projects by trying them; only a reader is told
    that they lack a higher level.
    """
    level = project_level(user, project) if project is not None else None
    if at_least(level, needed):
        return level
    if not user.is_authenticated:
        raise Unauthorized("Authentication required")
    if level is None:
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
    check_own_grant_change(actor, user, f"'{project.name}'", "another admin of the project")


def check_own_grant_change(actor, user, what: str, who_else: str) -> None:
    """Nobody but a superuser or the command line lowers their own grant on `what`."""
    if actor is not None and user == actor and not actor.is_superuser:
        raise GrantRefused(f"You can't lower or remove your own access to {what}; ask {who_else}")


def grant_change_needs_check(level: Level | None) -> bool:
    """Raising one's own grant to admin is never a loss of access; anything else may be."""
    return level != Level.ADMIN


# The outpack location
#
# Grants on the packets, as Packit has them: a level on the whole location (read / write /
# admin), or read access to the packets of one name. They are rows beside the packets
# (packets.PacketGrant); the caller hands this policy the (level, name) pairs that apply to a user
# (their own and anonymous ones) and gets back a `PacketsAccess`. REPROSTORE_OUTPACK_ANONYMOUS is
# the "trusted network" switch: a floor that everyone, signed in or not, gets on top of grants.

SIGN_IN_ADVICE = (
    "give a user name and password in the location URL (http://USER:PASSWORD@host/outpack/), "
    "or use a `packit` location (http://host/packit/) with a token or device login"
)


@dataclass(frozen=True)
class PacketsAccess:
    """What one caller may do with the packets: `level` on every packet, and the names of
    packets they may read besides."""

    level: Level | None = None
    names: frozenset[str] = frozenset()

    @property
    def reads_every_packet(self) -> bool:
        return at_least(self.level, Level.READ)

    @property
    def reads_some_packets(self) -> bool:
        return self.reads_every_packet or bool(self.names)

    def may_read(self, name: str) -> bool:
        return self.reads_every_packet or name in self.names


def anonymous_packet_level() -> Level | None:
    return ANONYMOUS_PACKET_LEVELS[setting("REPROSTORE_OUTPACK_ANONYMOUS")]


def packets_access(user, grants) -> PacketsAccess:
    """What `user` may do with the packets, given the (level, name) `grants` that apply to them:
    their own and anonymous ones. A grant with a name is read access to that name's packets."""
    if user.is_authenticated and user.is_superuser:
        return PacketsAccess(Level.ADMIN)
    level, names = anonymous_packet_level(), set()
    for granted, name in grants:
        if name:
            names.add(name)
        elif RANK[Level(granted)] > RANK[level]:
            level = Level(granted)
    return PacketsAccess(level, frozenset(names))


def require_packets(
    user, access: PacketsAccess, needed: Level, via_session: bool, *, every_packet=False
) -> PacketsAccess:
    """`access` if it allows `needed`; else 401 (anonymous) or 403 (signed in).

    Reading needs a grant on some packets (the answers then hold only those), or on every packet
    with `every_packet`. The outpack routes take no CSRF token (clients send none), so a browser
    session never pushes: another site could otherwise make a signed-in browser do it. Clients
    that push sign in with HTTP Basic or a bearer token on each request.
    """
    if needed == Level.READ and not every_packet:
        allowed = access.reads_some_packets
    else:
        allowed = at_least(access.level, needed) and not (needed != Level.READ and via_session)
    if allowed:
        return access
    action = "read every packet of" if every_packet else PACKET_ACTIONS[needed]
    if not user.is_authenticated:
        raise Unauthorized(f"You must sign in to {action} this outpack location: {SIGN_IN_ADVICE}")
    if via_session and at_least(access.level, needed):
        how = " with a browser session; use HTTP Basic or a token"
    else:
        how = "; ask an administrator of the packets for access"
    raise Forbidden(f"User '{user.get_username()}' may not {action} this outpack location{how}")


PACKET_ACTIONS = {
    Level.READ: "read",
    Level.WRITE: "push packets to",
    Level.ADMIN: "administer",
}


def check_packet_grant(user, level: Level, name: str) -> None:
    """The grants that may exist: anonymous callers never administer, and a grant scoped to a
    packet name is read access (pushing and administering are for the whole location)."""
    if user is None and level == Level.ADMIN:
        raise GrantRefused("Anonymous callers can't administer the packets; use read or write")
    if name and level != Level.READ:
        raise GrantRefused(
            f"A grant on the packets named '{name}' can only be read; "
            f"give {level} on every packet instead (no name)"
        )
