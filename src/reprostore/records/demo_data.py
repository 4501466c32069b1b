"""The demo store: sumatra-server's demo projects, records and users."""

import json

from django.contrib.auth import get_user_model
from django.db import transaction

from reprostore.accounts.access import Level
from reprostore.records.fixtures import DEMO_DIR, DjangoStoreFixture, load_fixture
from reprostore.records.models import Project
from reprostore.records.operations import do_grant, do_save_record, do_set_public


@transaction.atomic
def do_load_demo() -> list[str]:
    """Load the demo data (idempotent); returns lines to show the user."""
    users, grants = demo_users()
    fixture = DjangoStoreFixture(load_fixture(DEMO_DIR / "haggling.json"))
    owner = users["testuser"]
    for name, fields in fixture.projects():
        Project.objects.update_or_create(
            name=name,
            defaults={
                "long_name": fields.get("name", ""),
                "description": fields.get("description", ""),
            },
        )
    for project_name, username in grants:
        project = Project.objects.get(name=project_name)
        if username == "anonymous":
            do_set_public(project, True)
        else:
            do_grant(None, project, users[username], Level.ADMIN)
    for project_name, document in fixture.records():
        project = Project.objects.get(name=project_name)
        body = json.dumps(document).encode()
        do_save_record(owner, project, document["label"], body)
    return [
        f"Loaded {len(fixture.records())} demo records in {len(fixture.projects())} projects.",
        "Log in as 'testuser' with the password 'abc123'.",
    ]


def demo_users():
    """The demo users (their password hashes as in the fixture) and the (project, user) grants."""
    objects = load_fixture(DEMO_DIR / "permissions.json")
    User = get_user_model()
    users, grants = {}, []
    by_pk = {}
    for obj in objects:
        if obj["model"] == "auth.user" and obj["fields"]["username"] != "anonymous":
            fields = obj["fields"]
            user, _ = User.objects.get_or_create(
                username=fields["username"], defaults={"password": fields["password"]}
            )
            users[user.username] = by_pk[obj["pk"]] = user
        elif obj["model"] == "auth.user":
            by_pk[obj["pk"]] = None
    for obj in objects:
        if obj["model"].endswith("projectpermission"):
            user = by_pk[obj["fields"]["user"]]
            grants.append((obj["fields"]["project"], user.username if user else "anonymous"))
    return users, grants
