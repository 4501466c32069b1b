import argparse
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from reprostore.core.store import StoreError, create_store, migrate_database
from reprostore.packets.hashing import ALGORITHMS


class Command(BaseCommand):
    help = "Create a store: an outpack root with reprostore's database inside (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("root", nargs="?", help="directory of the store (default: --root)")
        parser.add_argument(
            "--use-file-store",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="keep files in the content-addressed store .outpack/files (default: on); "
            "without it the root needs a --path-archive and can't accept pushed files",
        )
        parser.add_argument(
            "--require-complete-tree",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="accept a packet only with all its dependencies (default: on)",
        )
        parser.add_argument(
            "--path-archive",
            default=None,
            metavar="NAME",
            help="also keep a human-readable copy of packets under NAME/ (clients only)",
        )
        parser.add_argument(
            "--hash-algorithm",
            default="sha256",
            choices=ALGORITHMS,
            help="hash algorithm of the outpack root (default sha256)",
        )
        parser.add_argument(
            "--demo", action="store_true", help="also load the demo records, packets and users"
        )

    def handle(self, *args, **options):
        root = Path(options["root"] or settings.REPROSTORE_ROOT).resolve()
        if root != settings.REPROSTORE_ROOT:
            raise CommandError(
                f"The store '{root}' differs from the configured root '{settings.REPROSTORE_ROOT}'"
            )
        try:
            create_store(
                root,
                use_file_store=options["use_file_store"],
                require_complete_tree=options["require_complete_tree"],
                path_archive=options["path_archive"],
                hash_algorithm=options["hash_algorithm"],
            )
        except StoreError as error:
            raise CommandError(str(error)) from error
        try:
            migrate_database()
        except StoreError as error:
            raise CommandError(str(error)) from None
        if options["demo"]:
            call_command("demo", stdout=self.stdout)
        self.stdout.write(f"Store ready at {root}")
