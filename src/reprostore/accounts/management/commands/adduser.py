import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create a user who may log in and use the APIs (the password is read, never an argument)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the new user's name")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        parser.add_argument("--email", default="", help="e-mail address")
        parser.add_argument("--superuser", action="store_true", help="may do anything, admin too")

    def handle(self, *args, **options):
        User = get_user_model()
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"User '{username}' already exists")
        password = read_password(options["password_stdin"])
        user = User(username=username, email=options["email"])
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user.set_password(password)
        user.is_superuser = user.is_staff = options["superuser"]
        user.save()
        self.stdout.write(f"Created user '{username}'")


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            raise CommandError("The passwords differ")
    if not password:
        raise CommandError("The password is empty")
    return password
