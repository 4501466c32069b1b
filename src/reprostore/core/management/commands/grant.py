from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reprostore.accounts.access import GrantRefused, Level
from reprostore.packets.grants import ANONYMOUS, do_grant_packets, do_revoke_packets
from reprostore.records.models import Project
from reprostore.records.operations import do_grant, do_set_public

NONE = "none"


class Command(BaseCommand):
    help = (
        "Give a user read, write or admin access to a Sumatra project (created if missing), or "
        "with --packets to the packets of the outpack location."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "user",
            help="user name; 'anonymous' means callers who do not sign in (a project becomes "
            "public; the packets are opened to everyone)",
        )
        parser.add_argument(
            "project", nargs="?", help="project id, as in the record store URL (not with --packets)"
        )
        parser.add_argument(
            "--level", choices=Level.values, default=Level.READ, help="project access level (read)"
        )
        parser.add_argument(
            "--packets",
            choices=[*Level.values, NONE],
            metavar="{read,write,admin,none}",
            help="access to the packets instead of a project; 'none' removes the grant",
        )
        parser.add_argument(
            "--name",
            default="",
            help="with --packets read: only the packets of this name (a packet group)",
        )

    def handle(self, *args, **options):
        if options["packets"] is not None:
            if options["project"]:
                raise CommandError("Give a project or --packets, not both")
            self.grant_packets(options["user"], options["packets"], options["name"].strip())
        elif not options["project"]:
            raise CommandError("Give a project, or --packets LEVEL for the packets")
        else:
            self.grant_project(options["user"], options["project"], Level(options["level"]))

    def grant_project(self, username, name, level):
        project, created = Project.objects.get_or_create(name=name)
        if created:
            self.stdout.write(f"Created project '{project.name}'")
        if username == ANONYMOUS:
            if level != Level.READ:
                raise CommandError("Anonymous users may only read; use --level read")
            do_set_public(project, True)
            self.stdout.write(f"Project '{project.name}' is now public (anyone may read)")
            return
        do_grant(None, project, find_user(username), level)
        self.stdout.write(f"'{username}' may now {level} project '{project.name}'")

    def grant_packets(self, username, level, name):
        user = None if username == ANONYMOUS else find_user(username)
        which = f"the packets named '{name}'" if name else "every packet"
        try:
            if level == NONE:
                removed = do_revoke_packets(None, user, name)
                verb = "Removed" if removed else "There was no"
                self.stdout.write(f"{verb} grant of '{username}' on {which}")
                return
            do_grant_packets(None, user, Level(level), name)
        except GrantRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(f"'{username}' may now {level} {which}")


def find_user(username):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No such user '{username}'; create it with `reprostore adduser`")
    return user
