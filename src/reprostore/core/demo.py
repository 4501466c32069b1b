"""The demo store: Sumatra records (records/demo_data.py) and outpack packets
(packets/demo_data.py) together, with the demo user allowed to see them all."""

from django.contrib.auth import get_user_model

from reprostore.accounts.access import Level
from reprostore.packets import demo_data as packet_demo
from reprostore.packets import operations as packet_operations
from reprostore.packets.grants import do_grant_packets
from reprostore.records import demo_data as record_demo


def do_load_demo() -> list[str]:
    """Load every part of the demo into the configured store (idempotent); lines to show."""
    lines = record_demo.do_load_demo()
    lines += packet_demo.do_load_demo_packets(packet_operations.served_root())
    user = get_user_model().objects.get(username=record_demo.DEMO_USER)
    do_grant_packets(None, user, Level.ADMIN)
    return [
        *lines,
        f"Log in as '{record_demo.DEMO_USER}' with the password '{record_demo.DEMO_PASSWORD}'.",
    ]
