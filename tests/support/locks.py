"""Holding a live server's database write lock from the test, to see how writers are refused."""

import sqlite3
from contextlib import contextmanager

import psycopg


@contextmanager
def writes_blocked(server, tables=("records_record",)):
    """Another connection holds the write lock (SQLite) or locks `tables` (PostgreSQL) until the
    block ends."""
    if server.database_url is None:
        connection = sqlite3.connect(
            server.root / ".reprostore" / "db.sqlite3", isolation_level=None
        )
        connection.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    with psycopg.connect(server.database_url.replace("postgres://", "postgresql://")) as connection:
        connection.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
        yield
        connection.rollback()
