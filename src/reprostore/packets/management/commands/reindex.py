from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from reprostore.lib.private_dir import ensure_own_dir
from reprostore.packets.index import reindex
from reprostore.packets.models import Packet, PacketLocation
from reprostore.packets.root import RootError, describe_root, preflight


class Command(BaseCommand):
    help = "Rebuild the packet index in the database from the outpack root on disk."

    def handle(self, *args, **options):
        try:
            root = preflight(settings.REPROSTORE_ROOT)
        except RootError as error:
            raise CommandError(str(error)) from error
        # A root written by another tool has no database yet; `serve` would make it the same way.
        ensure_own_dir(root.path)
        call_command("migrate", interactive=False, verbosity=0)
        problems = reindex(root)
        for _, message in problems:
            self.stderr.write(f"Skipped: {message}")
        self.stdout.write(describe_root(root))
        self.stdout.write(
            f"Indexed {Packet.objects.count()} packets and {PacketLocation.objects.count()} "
            f"location entries; skipped {len(problems)} files that could not be read."
        )
