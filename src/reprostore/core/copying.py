"""Copying a whole store's database to another database (SQLite to PostgreSQL, typically).

Rows keep their primary keys, so everything that points at them (grants, revisions, tags, files)
still does. Django's own permission and content-type rows are made by `migrate` on the target and
differ in id there, so users' and groups' permissions are matched by natural key instead.
"""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, transaction

from reprostore.lib.database import database_config

TARGET = "copy_target"
# Our data, in an order where every row's foreign keys point at rows already copied.
COPIED_APPS = ["auth", "accounts", "records", "packets"]
SKIPPED_MODELS = {"auth.permission", "auth.group_permissions", "auth.user_user_permissions"}
BATCH = 2000


class CopyError(Exception):
    pass


@dataclass
class Copied:
    model: str
    source: int
    target: int


def copied_models():
    for label in COPIED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.label_lower not in SKIPPED_MODELS:
                yield model


def add_target(url: str) -> None:
    config = database_config(url, conn_max_age=0)
    config.setdefault("TIME_ZONE", None)
    settings.DATABASES[TARGET] = connections.settings[TARGET] = {
        **connections["default"].settings_dict,
        **config,
        "TEST": {},
    }


def check_target_is_empty() -> None:
    for model in copied_models():
        if model.objects.using(TARGET).exists():
            raise CopyError(
                f"The target database already holds {model._meta.verbose_name_plural}; "
                "copy only into an empty database"
            )


def copy_rows(model) -> Copied:
    rows = model.objects.using("default").order_by("pk").iterator(chunk_size=BATCH)
    batch = []
    for row in rows:
        row._state.db = TARGET
        batch.append(row)
        if len(batch) >= BATCH:
            model.objects.using(TARGET).bulk_create(batch)
            batch = []
    if batch:
        model.objects.using(TARGET).bulk_create(batch)
    return Copied(
        model._meta.label,
        model.objects.using("default").count(),
        model.objects.using(TARGET).count(),
    )


def copy_permissions() -> Copied:
    """Users' direct permissions, matched by (app, codename) since ids differ on the target."""
    Permission = apps.get_model("auth", "Permission")
    through = apps.get_model("auth", "User").user_permissions.through
    target_ids = {
        (p.content_type.app_label, p.codename): p.pk
        for p in Permission.objects.using(TARGET).select_related("content_type")
    }
    rows = [
        through(
            user_id=row.user_id,
            permission_id=target_ids[
                (row.permission.content_type.app_label, row.permission.codename)
            ],
        )
        for row in through.objects.using("default").select_related("permission__content_type")
    ]
    through.objects.using(TARGET).bulk_create(rows)
    return Copied("auth.User_user_permissions", len(rows), through.objects.using(TARGET).count())


def reset_sequences() -> None:
    """PostgreSQL's id sequences must continue after the copied ids."""
    with connections[TARGET].cursor() as cursor:
        for model in copied_models():
            for statement in connections[TARGET].ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(statement)


def do_copy_database(target_url: str, log=lambda line: None) -> list[Copied]:
    """Copy every row of our apps to the empty database at `target_url`; the counts per model."""
    add_target(target_url)
    log("Creating the schema on the target")
    call_command("migrate", database=TARGET, interactive=False, verbosity=0)
    check_target_is_empty()
    results = []
    with transaction.atomic(using=TARGET):
        for model in copied_models():
            results.append(copy_rows(model))
            log(f"{results[-1].model}: {results[-1].target} rows")
        results.append(copy_permissions())
        reset_sequences()
        mismatched = [r for r in results if r.source != r.target]
        if mismatched:
            raise CopyError(
                "Counts differ after copying: "
                + ", ".join(f"{r.model} {r.source} → {r.target}" for r in mismatched)
            )
    return results
