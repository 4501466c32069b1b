from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from reprostore.core.demo import do_load_demo


class Command(BaseCommand):
    help = (
        "Create a store (if needed) and load the demo into it: Sumatra's demo records and users, "
        "a parameter sweep and a pipeline of packets."
    )

    def add_arguments(self, parser):
        parser.add_argument("root", nargs="?", help="directory of the store (default: --root)")

    def handle(self, *args, **options):
        # `init` makes the store, or refuses a ROOT other than the configured one (the database
        # the demo goes into is the configured root's; `reprostore demo ROOT` configures ROOT).
        call_command("init", options["root"] or str(settings.REPROSTORE_ROOT), stdout=self.stdout)
        for line in do_load_demo():
            self.stdout.write(line)
