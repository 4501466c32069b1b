"""Who may do what with the packets: the grants stored beside them, read for the access policy
(accounts/access.py) and changed only here.

Every change of a packet grant, from the permissions page, `reprostore grant` or a test, goes
through `do_grant_packets` and `do_revoke_packets`; `actor` is the user making the change (None
for the command line), and the rules are the policy's.
"""

from django.db import transaction
from django.db.models import F, Q

from reprostore.accounts import access
from reprostore.accounts.access import Level, PacketsAccess
from reprostore.accounts.middleware import via_session

from .models import PacketGrant

ANONYMOUS = "anonymous"


def grants_applying_to(user) -> list[tuple[str, str]]:
    """(level, name) of the grants `user` holds: their own and anonymous callers' ones."""
    mine = Q(user__isnull=True)
    if user.is_authenticated:
        mine |= Q(user=user)
    return list(PacketGrant.objects.filter(mine).values_list("level", "name"))


def access_of(user) -> PacketsAccess:
    if user.is_authenticated and user.is_superuser:
        return access.packets_access(user, ())
    return access.packets_access(user, grants_applying_to(user))


def caller_access(request) -> PacketsAccess:
    """What the caller of this request may do with the packets (read once per request)."""
    if getattr(request, "_packets_access", None) is None:
        request._packets_access = access_of(request.user)
    return request._packets_access


def require(request, needed: Level, *, every_packet=False, csrf_checked=False) -> PacketsAccess:
    """The caller's access if it allows `needed`; else the policy's 401 or 403.

    `csrf_checked`: the request comes from one of our forms, whose CSRF token is checked, so a
    browser session may change things (the outpack routes take no token, so it may not there).
    """
    forgeable = via_session(request) and not csrf_checked
    return access.require_packets(
        request.user, caller_access(request), needed, forgeable, every_packet=every_packet
    )


def may_read_some(request) -> bool:
    return caller_access(request).reads_some_packets


# Changes


def do_grant_packets(actor, user, level: Level, name: str = "") -> PacketGrant:
    """Give `user` (None: anonymous callers) `level` on every packet, or read on those called
    `name`; replaces the grant they had on the same packets."""
    access.check_packet_grant(user, level, name)
    with transaction.atomic():
        if user is not None and not name and access.grant_change_needs_check(level):
            access.check_own_grant_change(
                actor, user, "the packets", "another admin of the packets"
            )
        grant, _ = PacketGrant.objects.update_or_create(
            user=user, name=name, defaults={"level": level}
        )
        return grant


def do_revoke_packets(actor, user, name: str = "") -> bool:
    """Remove the grant of `user` (None: anonymous callers) on every packet, or on those called
    `name`; False when there was none."""
    with transaction.atomic():
        grant = PacketGrant.objects.filter(user=user, name=name).first()
        if grant is None:
            return False
        if user is not None and not name:
            access.check_own_grant_change(
                actor, user, "the packets", "another admin of the packets"
            )
        grant.delete()
        return True


def packet_grants() -> list[dict]:
    """Every grant, anonymous callers' first, then by user name and packet name."""
    rows = PacketGrant.objects.select_related("user").order_by(
        F("user__username").asc(nulls_first=True), "name"
    )
    return [
        {
            "user": grant.user.get_username() if grant.user else ANONYMOUS,
            "anonymous": grant.user is None,
            "level": grant.level,
            "name": grant.name,
        }
        for grant in rows
    ]
