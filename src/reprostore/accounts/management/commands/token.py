from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reprostore.accounts.tokens import do_issue_token, do_revoke_token, tokens_of


class Command(BaseCommand):
    help = (
        "Issue a bearer token for a user and print it (it is shown only this once), or list or "
        "revoke a user's tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="user name")
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument(
            "--days", type=int, help="how long the token lasts (default: REPROSTORE_TOKEN_DAYS)"
        )
        actions = parser.add_mutually_exclusive_group()
        actions.add_argument(
            "--list", action="store_true", help="list the user's tokens instead of issuing one"
        )
        actions.add_argument(
            "--revoke", metavar="ID", help="revoke the user's token with this id (from --list)"
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No such user '{options['user']}'")
        if options["list"]:
            self.list_tokens(user)
        elif options["revoke"] is not None:
            if not do_revoke_token(user, options["revoke"]):
                raise CommandError(f"'{user.username}' has no token with id '{options['revoke']}'")
            self.stdout.write(f"Revoked token {options['revoke']} of '{user.username}'")
        else:
            if not user.is_active:
                raise CommandError(f"User '{user.username}' is not active")
            if options["days"] is not None and options["days"] < 1:
                raise CommandError(f"--days is {options['days']}: a token lasts at least a day")
            self.stdout.write(do_issue_token(user, options["name"], options["days"]))

    def list_tokens(self, user):
        found = tokens_of(user)
        if not found:
            self.stdout.write(f"'{user.username}' has no tokens")
            return
        self.stdout.write("id\tname\tmade\texpires\tlast used")
        for token in found:
            last_used = f"{token.last_used:%Y-%m-%d %H:%M}" if token.last_used else "never"
            expires = f"{token.expires:%Y-%m-%d %H:%M}" + (" (expired)" if token.expired else "")
            self.stdout.write(
                f"{token.pk}\t{token.name or 'token'}\t{token.created:%Y-%m-%d %H:%M}\t"
                f"{expires}\t{last_used}"
            )
