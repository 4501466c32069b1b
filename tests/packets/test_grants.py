"""Packet grants change only through packets/grants.py, with the access policy's rules, and the
upgrade keeps what existing users could do."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import connection

from reprostore.accounts.access import GrantRefused, Level
from reprostore.packets.grants import (
    access_of,
    do_grant_packets,
    do_revoke_packets,
    packet_grants,
)
from reprostore.packets.models import PacketGrant


def test_a_grant_is_replaced_not_added(cast):
    do_grant_packets(None, cast.reader, Level.READ)
    do_grant_packets(None, cast.reader, Level.WRITE)
    assert list(PacketGrant.objects.values_list("level", flat=True)) == ["write"]
    assert access_of(cast.reader).level == Level.WRITE


def test_a_name_scoped_grant_is_read_only(cast):
    with pytest.raises(GrantRefused, match="can only be read"):
        do_grant_packets(None, cast.reader, Level.WRITE, "data")
    do_grant_packets(None, cast.reader, Level.READ, "data")
    reader = access_of(cast.reader)
    assert reader.level is None and reader.names == {"data"}
    assert reader.may_read("data") and not reader.may_read("other")


def test_anonymous_callers_never_administer(cast):
    with pytest.raises(GrantRefused, match="Anonymous callers can't administer"):
        do_grant_packets(None, None, Level.ADMIN)
    do_grant_packets(None, None, Level.READ)
    do_grant_packets(None, None, Level.READ)  # once, although NULL users are distinct in SQL
    assert PacketGrant.objects.filter(user=None).count() == 1


def test_anonymous_grants_apply_to_everyone(cast):
    do_grant_packets(None, None, Level.READ, "data")
    assert access_of(cast.stranger).names == {"data"}
    assert access_of(AnonymousUser()).names == {"data"}


def test_admins_may_not_lower_their_own_grant(cast):
    do_grant_packets(None, cast.owner, Level.ADMIN)
    with pytest.raises(GrantRefused, match="can't lower or remove your own access"):
        do_grant_packets(cast.owner, cast.owner, Level.READ)
    with pytest.raises(GrantRefused, match="can't lower or remove your own access"):
        do_revoke_packets(cast.owner, cast.owner)
    assert access_of(cast.owner).level == Level.ADMIN
    do_grant_packets(cast.owner, cast.owner, Level.READ, "data")  # adds, lowers nothing
    do_revoke_packets(cast.admin, cast.owner)  # a superuser may
    assert access_of(cast.owner).level is None


def test_revoking_what_was_never_granted_says_so(cast):
    assert do_revoke_packets(None, cast.reader) is False
    do_grant_packets(None, cast.reader, Level.READ, "data")
    assert do_revoke_packets(None, cast.reader) is False
    assert do_revoke_packets(None, cast.reader, "data") is True


def test_the_grants_are_listed_anonymous_first(cast):
    do_grant_packets(None, cast.writer, Level.WRITE)
    do_grant_packets(None, None, Level.READ)
    do_grant_packets(None, cast.reader, Level.READ, "data")
    assert [(g["user"], g["level"], g["name"]) for g in packet_grants()] == [
        ("anonymous", "read", ""),
        ("bob", "read", "data"),
        ("carol", "write", ""),
    ]


def test_superusers_need_no_grant(cast):
    assert access_of(cast.admin).level == Level.ADMIN


def test_the_upgrade_keeps_what_existing_users_could_do(cast):
    """Before grants, signed-in users read every packet and `packets.add_packet` pushed."""
    push = Permission.objects.get(codename="add_packet", content_type__app_label="packets")
    cast.writer.user_permissions.add(push)
    pushers = Group.objects.create(name="pushers")
    pushers.permissions.add(push)
    cast.owner.groups.add(pushers)
    cast.stranger.is_active = False
    cast.stranger.save()
    migration = importlib.import_module("reprostore.packets.migrations.0003_packet_grants")
    editor = SimpleNamespace(connection=connection)  # all the migration reads of its editor
    migration.keep_what_existing_users_could_do(apps, editor)
    levels = dict(PacketGrant.objects.values_list("user__username", "level"))
    assert levels == {"alice": "write", "carol": "write", "bob": "read"}
