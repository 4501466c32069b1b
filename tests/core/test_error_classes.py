"""What a database or disk failure answers: a value the database can't hold is the request's
fault (400), a database that is down is an outage (503, retry), a full disk is 507 (issue 12)."""

import errno
import sqlite3

import psycopg.errors
import pytest
from django import db
from django.test import RequestFactory

from reprostore.lib.http import as_http_error

pytestmark = pytest.mark.nodb


def django_error(kind, cause):
    """`kind` as Django raises it: the driver's exception as its cause."""
    try:
        try:
            raise cause
        except Exception as error:
            raise kind(str(error)) from error
    except kind as wrapped:
        return wrapped


def sqlite_error(code_name: str, message: str):
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = code_name
    return error


@pytest.mark.parametrize(
    "error, status, retry",
    [
        (django_error(db.DataError, psycopg.errors.StringDataRightTruncation("NUL")), 400, False),
        (django_error(db.DataError, ValueError("A string literal cannot contain NUL")), 400, False),
        (django_error(db.IntegrityError, psycopg.errors.UniqueViolation("dup")), 400, False),
        (django_error(db.OperationalError, psycopg.errors.AdminShutdown("down")), 503, True),
        (django_error(db.OperationalError, sqlite_error("SQLITE_BUSY", "locked")), 503, True),
        (django_error(db.InterfaceError, psycopg.errors.InterfaceError("closed")), 503, True),
        (django_error(db.OperationalError, psycopg.errors.DiskFull("no space")), 507, False),
        (django_error(db.OperationalError, sqlite_error("SQLITE_FULL", "disk full")), 507, False),
        (OSError(errno.ENOSPC, "No space left on device"), 507, False),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), 507, False),
        (django_error(db.ProgrammingError, psycopg.errors.UndefinedTable("no table")), 500, False),
        (RecursionError("maximum recursion depth exceeded"), 400, False),
        (OSError(errno.EACCES, "Permission denied"), 500, False),
    ],
)
def test_each_failure_gets_the_status_that_tells_the_client_what_to_do(error, status, retry):
    answer = as_http_error(RequestFactory().put("/records/p/r/"), error)
    assert answer.status == status
    assert ("Retry-After" in answer.headers) is retry
    if status == 507:
        assert "No space left on the store" in answer.message
