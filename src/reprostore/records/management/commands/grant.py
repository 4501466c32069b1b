from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reprostore.accounts.access import Level
from reprostore.records.models import Project
from reprostore.records.operations import do_grant, do_set_public


class Command(BaseCommand):
    help = "Give a user read, write or admin access to a Sumatra project (created if missing)."

    def add_arguments(self, parser):
        parser.add_argument("user", help="user name; 'anonymous' makes the project public (read)")
        parser.add_argument("project", help="project id, as in the record store URL")
        parser.add_argument(
            "--level", choices=Level.values, default=Level.READ, help="access level (read)"
        )

    def handle(self, *args, **options):
        username, level = options["user"], Level(options["level"])
        project, created = Project.objects.get_or_create(name=options["project"])
        if created:
            self.stdout.write(f"Created project '{project.name}'")
        if username == "anonymous":
            if level != Level.READ:
                raise CommandError("Anonymous users may only read; use --level read")
            do_set_public(project, True)
            self.stdout.write(f"Project '{project.name}' is now public (anyone may read)")
            return
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No such user '{username}'; create it with `reprostore adduser`")
        do_grant(None, project, user, level)
        self.stdout.write(f"'{username}' may now {level} project '{project.name}'")
