"""The `reprostore` command: Django's management utility with our settings preset.

`--root DIR` and `--database URL` may be given to any verb (ours or Django's). They are taken out of
the argument list and put into the environment before Django reads its settings, because the
database a command uses is fixed once settings are loaded.
"""

import os
import sys

GLOBAL_OPTIONS = {"--root": "REPROSTORE_ROOT", "--database": "REPROSTORE_DATABASE_URL"}
# Verbs whose first positional argument names the store, as `outpack init PATH` does.
ROOT_AS_ARGUMENT = {"init", "demo"}
# Verbs that may read an outpack root reprostore does not manage: with no database named and no
# `.reprostore/` in the root they work on a throw-away in-memory database, writing nothing there.
READ_ONLY_VERBS = {"query"}


def take_global_options(argv: list[str], environ) -> list[str]:
    """Move --root/--database into `environ` and return the remaining arguments."""
    rest = []
    args = iter(argv)
    for arg in args:
        name, has_value, value = arg.partition("=")
        if name in GLOBAL_OPTIONS:
            if not has_value:
                value = next(args, None)
                if value is None:
                    sys.exit(f"reprostore: error: {name} needs a value")
            environ[GLOBAL_OPTIONS[name]] = value
        else:
            rest.append(arg)
    if len(rest) >= 3 and rest[1] in ROOT_AS_ARGUMENT and not rest[2].startswith("-"):
        environ["REPROSTORE_ROOT"] = rest[2]
    return rest


def use_memory_database_for_foreign_root(environ) -> None:
    root = environ.get("REPROSTORE_ROOT") or os.getcwd()
    if not environ.get("REPROSTORE_DATABASE_URL") and not os.path.isdir(
        os.path.join(root, ".reprostore")
    ):
        environ["REPROSTORE_DATABASE_URL"] = "sqlite://:memory:"
        environ["REPROSTORE_EPHEMERAL_DATABASE"] = "1"


def main(argv: list[str] | None = None) -> None:
    argv = take_global_options(list(sys.argv if argv is None else argv), os.environ)
    if os.environ.get("REPROSTORE_ROOT"):
        os.environ["REPROSTORE_ROOT"] = os.path.abspath(os.environ["REPROSTORE_ROOT"])
    if len(argv) > 1 and argv[1] in READ_ONLY_VERBS:
        use_memory_database_for_foreign_root(os.environ)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reprostore.settings")
    argv[0] = "reprostore"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
