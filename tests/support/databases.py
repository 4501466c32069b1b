"""The databases the tests run on, and fresh PostgreSQL databases for live servers."""

import os
import uuid

POSTGRES_URL = os.environ.get(
    "REPROSTORE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
)


def test_database() -> str:
    return os.environ.get("REPROSTORE_TEST_DATABASE", "sqlite")


def test_database_url() -> str:
    if test_database() == "postgres":
        return POSTGRES_URL
    # Django's test runner replaces this with its own test database.
    return "sqlite:///" + os.path.join(os.environ["REPROSTORE_ROOT"], "test.sqlite3")


def postgres_admin_dsn() -> str:
    return POSTGRES_URL.replace("postgres://", "postgresql://", 1)


def create_postgres_database() -> str:
    """A new empty database; returns its URL."""
    import psycopg

    name = f"reprostore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_admin_dsn(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
