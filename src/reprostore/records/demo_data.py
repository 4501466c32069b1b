"""The demo store's records: sumatra-server's demo projects, records and users, and a
parameter sweep of a few dozen records (demo_sweep.py) in a project of its own."""

import json

from django.contrib.auth import get_user_model
from django.db import transaction

from reprostore.accounts.access import Level
from reprostore.records import demo_sweep
from reprostore.records.fixtures import DEMO_DIR, DjangoStoreFixture, load_fixture
from reprostore.records.models import Project
from reprostore.records.operations import do_grant, do_save_record, do_set_public

# The demo fixture's user (its password hash is in demo/permissions.json), who owns everything.
DEMO_USER, DEMO_PASSWORD = "testuser", "abc123"


@transaction.atomic
def do_load_demo() -> list[str]:
    """Load the demo data (idempotent); returns lines to show the user."""
    users, grants = demo_users()
    return load_sumatra_demo(users, grants) + load_sweep(users[DEMO_USER])


def load_sumatra_demo(users: dict, grants: list) -> list[str]:
    fixture = DjangoStoreFixture(load_fixture(DEMO_DIR / "haggling.json"))
    owner = users[DEMO_USER]
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
    return [f"Loaded {len(fixture.records())} demo records in {len(fixture.projects())} projects."]


def load_sweep(owner) -> list[str]:
    """The sweep's project, owned by `owner`; each record is saved as Sumatra saved it (when
    the run started, then when it ended), once: a record already there is left alone."""
    project, _ = Project.objects.update_or_create(
        name=demo_sweep.PROJECT,
        defaults={
            "long_name": demo_sweep.LONG_NAME,
            "description": demo_sweep.DESCRIPTION,
            "created_by": owner,
        },
    )
    do_grant(None, project, owner, Level.ADMIN)
    history = demo_sweep.sweep()
    existing = set(project.records.values_list("label", flat=True))
    for saves in history:
        if saves[0]["label"] in existing:
            continue
        for document in saves:
            do_save_record(owner, project, document["label"], json.dumps(document).encode())
    return [f"Loaded a parameter sweep of {len(history)} records in '{project.name}'."]


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
