from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import check
from django.db import OperationalError

from reprostore.core.checking import check_store, repair
from reprostore.packets.root import RootError, preflight


class Command(check.Command):
    help = (
        "Check the store: every metadata file parses and is indexed, every file an unpacked "
        "packet lists is present with the right hash, no temporary files are left over, every "
        "record can be read back; with --repair, fix what can be fixed without losing data. "
        "Django's system checks run first, as with Django's own `check`."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--repair",
            action="store_true",
            help="fix what can be fixed without losing data (files are moved aside to "
            ".reprostore/quarantine/, never deleted)",
        )
        parser.add_argument(
            "--no-hashes",
            action="store_true",
            help="check that stored files exist, without reading them to check their hashes",
        )

    def handle(self, *app_labels, **options):
        super().handle(*app_labels, **options)
        if app_labels or options["list_tags"] or options["tags"]:
            return  # Django's system checks only, as asked
        try:
            root = preflight(settings.REPROSTORE_ROOT)
        except RootError as error:
            raise CommandError(str(error)) from None
        try:
            problems = check_store(root, hashes=not options["no_hashes"])
        except OperationalError as error:
            raise CommandError(f"Can't use the database: {error}".splitlines()[0]) from None
        if not problems:
            self.stdout.write(f"The store at {root.path} is in order.")
            return
        repaired = (
            dict((id(problem), done) for problem, done in repair(root, problems))
            if options["repair"]
            else {}
        )
        for problem in problems:
            self.stdout.write(f"- {problem.text}")
            if id(problem) in repaired:
                self.stdout.write(f"  repaired: {repaired[id(problem)]}")
        self.report(problems, repaired, options["repair"])

    def report(self, problems, repaired, repairing):
        fixable = sum(problem.repair is not None for problem in problems)
        left = len(problems) - len(repaired)
        if repairing:
            self.stdout.write(f"{len(problems)} problems found, {len(repaired)} repaired.")
            if left:
                raise CommandError(f"{left} problems need a person: see the list above")
            return
        hint = f"; `reprostore check --repair` fixes {fixable} of them" if fixable else ""
        raise CommandError(f"{len(problems)} problems found{hint}")
