from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reprostore.packets.orphans import collect_orphans
from reprostore.packets.root import RootError, preflight

# Pushes upload every file before the metadata that names them; a day is far longer than any
# push takes, even of gigabytes over a slow link.
DEFAULT_GRACE_HOURS = 24.0


class Command(BaseCommand):
    help = (
        "Remove files from the outpack file store that no packet uses and that have waited "
        "longer than the grace period, and say how much that freed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=DEFAULT_GRACE_HOURS,
            help=f"how long an unused file may wait for the packet that names it "
            f"(default {DEFAULT_GRACE_HOURS:g})",
        )
        parser.add_argument("--dry-run", action="store_true", help="only say what would be removed")

    def handle(self, *args, **options):
        if options["grace_hours"] < 0:
            raise CommandError(f"--grace-hours is {options['grace_hours']:g}: give 0 or more")
        try:
            root = preflight(settings.REPROSTORE_ROOT)
            found = collect_orphans(root, options["grace_hours"] * 3600, dry_run=options["dry_run"])
        except RootError as error:
            raise CommandError(str(error)) from None
        if not root.core.use_file_store:
            self.stdout.write("This outpack root has no file store: nothing to collect.")
            return
        verb = "Would remove" if options["dry_run"] else "Removed"
        for hash, size in found.removed:
            self.stdout.write(f"{verb} {hash} ({size} bytes): no packet uses it")
        for name, size in found.interrupted:
            self.stdout.write(f"{verb} tmp/{name} ({size} bytes): an interrupted upload")
        self.stdout.write(
            f"{verb} {len(found.removed)} unused files and {len(found.interrupted)} interrupted "
            f"uploads, {'freeing' if not options['dry_run'] else 'which would free'} "
            f"{found.freed} bytes; kept {found.young} unused files that are younger than "
            f"{options['grace_hours']:g} hours."
        )
