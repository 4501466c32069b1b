from django.core.management.base import BaseCommand, CommandError

from reprostore.core.copying import CopyError, do_copy_database


class Command(BaseCommand):
    help = "Copy the whole database (users, grants, records, packet index) to an empty database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            required=True,
            metavar="URL",
            help="target database, e.g. postgres://user@host/db",
        )

    def handle(self, *args, **options):
        try:
            results = do_copy_database(options["to"], log=self.stdout.write)
        except (CopyError, ValueError) as error:
            raise CommandError(str(error)) from error
        total = sum(result.target for result in results)
        self.stdout.write(f"Copied {total} rows; the counts of every table match.")
