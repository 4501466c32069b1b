import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reprostore.lib.http import HttpError
from reprostore.records.purge import do_purge_record, do_purge_revision


class Command(BaseCommand):
    help = (
        "Remove stored content for good (a secret sent by mistake): a record and every revision "
        "of it, or one revision's document. An audit entry says who purged what and when."
    )

    def add_arguments(self, parser):
        targets = parser.add_subparsers(dest="target", required=True, metavar="{record,revision}")
        record = targets.add_parser("record", help="delete a record and empty all its revisions")
        record.add_argument("project", help="project id, as in the record store URL")
        record.add_argument("label", help="the record's label")
        revision = targets.add_parser("revision", help="empty one revision's document")
        revision.add_argument("revision", type=int, help="the revision's id (see the admin)")
        for target in (record, revision):
            target.add_argument(
                "--by",
                metavar="USER",
                help="the superuser purging, for the audit entry (default: the operating "
                "system user running this command)",
            )
            target.add_argument("--reason", default="", help="why, for the audit entry")

    def handle(self, *args, **options):
        user, purged_by = self.purger(options["by"])
        try:
            if options["target"] == "record":
                purge = do_purge_record(
                    user, purged_by, options["project"], options["label"], options["reason"]
                )
            else:
                purge = do_purge_revision(user, purged_by, options["revision"], options["reason"])
        except HttpError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Purged {purge.documents} document(s): {purge}")

    def purger(self, name):
        if name is None:
            return None, f"command line (operating system user '{getpass.getuser()}')"
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise CommandError(f"No such user '{name}'")
        return user, user.get_username()
