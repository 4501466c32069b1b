import json
import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from reprostore.packets.root import RootError, preflight
from reprostore.packets.search import DIALECT, search_root
from reprostore.query import ParseError, parse, to_dict
from reprostore.query.evaluate import parse_subqueries

USAGE = "give a query, or `parse` and a query"


class Command(BaseCommand):
    help = (
        "Print the ids of the packets a query selects, one per line, as `outpack query` does "
        "(`reprostore query parse QUERY` prints its syntax tree as JSON instead); orderly's "
        "usedby(), uses() and {subqueries} work too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "words",
            nargs="+",
            metavar="[parse] QUERY",
            help="the query, e.g. 'latest(name == \"x\")'",
        )
        parser.add_argument(
            "--this",
            metavar="JSON",
            help="values for this:NAME lookups, as a JSON object, e.g. '{\"a\": 1}'",
        )
        parser.add_argument(
            "--subquery",
            action="append",
            default=[],
            metavar="NAME=QUERY",
            help="a named subquery for {NAME} in the query, e.g. 'C=latest(name == \"C\")'; "
            "repeat for more (each may use those before it)",
        )
        parser.add_argument(
            "--dialect",
            choices=["orderly", "outpack"],
            default=DIALECT,
            help="orderly (the default): the outpack language with orderly's usedby(), uses() "
            "and subqueries; outpack: exactly outpack_server's language",
        )

    def handle(self, *args, **options):
        words, dialect = options["words"], options["dialect"]
        if words[0] == "parse" and len(words) == 2:
            self.stdout.write(json.dumps(to_dict(parsed(words[1], dialect))))
            return
        if len(words) != 1:
            raise CommandError(f"Expected one query, got {len(words)} arguments: {USAGE}")
        this = parse_this(options["this"])
        subqueries = named_subqueries(options["subquery"], dialect)
        root = open_root(settings.REPROSTORE_ROOT)
        ids = run_search(root, words[0], this, subqueries, dialect)
        if ids:
            self.stdout.write("\n".join(ids))
        else:
            # Kept off stdout, where `outpack query` prints it, so that stdout is only ids.
            self.stderr.write("Found no packets")


def parsed(text, dialect):
    try:
        return parse(text, dialect)
    except ParseError as error:
        raise CommandError(f"Failed to parse query\n{error}") from None


def named_subqueries(definitions, dialect):
    """{name: query text} from `NAME=QUERY` arguments, in their order, each checked."""
    subqueries = {}
    for definition in definitions:
        name, equals, text = definition.partition("=")
        if not equals or not name.strip():
            raise CommandError(f"Invalid --subquery '{definition}': expected NAME=QUERY")
        subqueries[name.strip()] = text
    try:
        parse_subqueries(subqueries, dialect)
    except ParseError as error:
        raise CommandError(f"Failed to parse query\n{error}") from None
    return subqueries


def parse_this(text):
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as error:
        raise CommandError(f"Invalid --this '{text}': {error}") from None
    if not isinstance(value, dict):
        raise CommandError(
            f"Invalid --this '{text}': expected a JSON object such as '{{\"a\": 1}}'"
        )
    return value


def open_root(path):
    try:
        return preflight(path)
    except RootError as error:
        raise CommandError(str(error)) from None


def run_search(root, text, this, subqueries, dialect):
    parsed(text, dialect)  # before the migration below, so that a typo fails at once
    if os.environ.get("REPROSTORE_EPHEMERAL_DATABASE") == "1":
        # cli.py chose an in-memory database for a root reprostore does not manage: build
        # the index there, and write nothing into the root.
        call_command("migrate", verbosity=0, interactive=False)
    try:
        return search_root(root, text, this=this, subqueries=subqueries, dialect=dialect)
    except RootError as error:
        raise CommandError(str(error)) from None
    except ParseError as error:
        raise CommandError(f"Failed to parse query\n{error}") from None
    except ValueError as error:
        raise CommandError(f"Failed to evaluate query\n{error}") from None
    except DatabaseError as error:
        raise CommandError(
            f"Can't read the packet index in the database ({error}); "
            "run `reprostore migrate` for this store"
        ) from None
