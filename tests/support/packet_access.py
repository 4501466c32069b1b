"""Packet grants for tests, made through the one set of functions that changes them."""


def grant_packets(user, level, name=""):
    """Give `user` (None: anonymous callers) `level` on every packet, or read on `name`."""
    from reprostore.accounts.access import Level
    from reprostore.packets.grants import do_grant_packets

    return do_grant_packets(None, user, Level(level), name)


def grant_cast_packets(cast, group=None):
    """The cast's packet grants, as Packit's roles would be: alice administers the packets,
    carol pushes, bob reads everything, mallory has nothing; with `group`, dave reads only the
    packets called `group`. Returns dave (or None)."""
    from django.contrib.auth import get_user_model

    from tests.conftest import PASSWORD

    grant_packets(cast.owner, "admin")
    grant_packets(cast.writer, "write")
    grant_packets(cast.reader, "read")
    if group is None:
        return None
    dave = get_user_model().objects.create_user("dave", password=PASSWORD)
    grant_packets(dave, "read", group)
    return dave
