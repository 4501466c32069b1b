from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reprostore.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Issue a bearer token for a user and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("user", help="user name")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No such active user '{options['user']}'")
        self.stdout.write(ApiToken.issue(user, options["name"]))
