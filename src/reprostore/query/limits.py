"""A time limit on the statements of one query, so that no query can keep a database busy.

A query is text from anyone who may read: however well it is planned, some can ask for a lot.
Its statements run under a limit (REPROSTORE_QUERY_TIMEOUT seconds): PostgreSQL's
`statement_timeout` for the transaction, or SQLite's progress handler, which interrupts a
statement past the deadline. A query that runs out of time is refused with a 400 saying so:
the store is not down (a 503 with Retry-After would have clients retry the same query for
ever), and the same query would run out of time again.
"""

import time
from contextlib import contextmanager

from django.db import OperationalError, connections, transaction

from reprostore.lib.conf import setting
from reprostore.lib.http import BadRequest
from reprostore.query.evaluate import PkAmong

# SQLite calls the handler every this many virtual machine instructions (about a millisecond).
SQLITE_STEPS = 10_000
QUERY_CANCELED = "57014"


class QueryTimeout(BadRequest):
    def __init__(self, seconds: float):
        super().__init__(
            f"The query took longer than {seconds:g} s, the limit for one query "
            "(REPROSTORE_QUERY_TIMEOUT): make it narrower, or split it",
            kind="query timeout",
        )


def selected(universe, select, using: str = "default"):
    """The rows of `universe` that `select(universe)` picks, chosen now under the time limit and
    returned as `universe` narrowed to their ids: a page or a stream that reads them later runs
    no statement of the query."""
    with query_time_limit(using):
        ids = list(select(universe).values_list("pk", flat=True))
    return universe.filter(PkAmong(ids))


@contextmanager
def query_time_limit(using: str = "default", seconds: float | None = None):
    """Run the block's statements under the query time limit; QueryTimeout when it runs out."""
    seconds = float(setting("REPROSTORE_QUERY_TIMEOUT") if seconds is None else seconds)
    connection = connections[using]
    if seconds <= 0:
        yield
        return
    try:
        if connection.vendor == "postgresql":
            # SET LOCAL lasts until the transaction ends, so the limit ends with the block.
            with transaction.atomic(using=using):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SET LOCAL statement_timeout = %s", [max(1, int(seconds * 1000))]
                    )
                yield
        else:
            # No transaction: SQLite's would take the write lock (transaction_mode IMMEDIATE).
            with sqlite_deadline(connection, seconds):
                yield
    except OperationalError as error:
        if is_timeout(error):
            raise QueryTimeout(seconds) from error
        raise


@contextmanager
def sqlite_deadline(connection, seconds: float):
    connection.ensure_connection()
    deadline = time.monotonic() + seconds
    sqlite = connection.connection
    sqlite.set_progress_handler(lambda: time.monotonic() > deadline, SQLITE_STEPS)
    try:
        yield
    finally:
        sqlite.set_progress_handler(None, SQLITE_STEPS)


def is_timeout(error: BaseException) -> bool:
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) == QUERY_CANCELED:
        return True
    return getattr(cause, "sqlite_errorname", None) == "SQLITE_INTERRUPT"
