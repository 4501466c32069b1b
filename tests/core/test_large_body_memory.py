"""A large record PUT's memory goes back when it is done (issue 12, benchmarks/big_records.py).

Three things kept it before: the request (with its body) lived until Python's next full garbage
collection, libpq kept each PostgreSQL connection's buffers at the largest body it carried, and
PUTs waiting for the large-body slot each held a pooled connection.
"""

import gc
import io
import weakref

import pytest
from django.db import connection

from reprostore.core import request_bodies
from reprostore.lib import large_bodies
from reprostore.records.models import Record
from tests.records.helpers import assert_error, put
from tests.support.records import record_body


class Request:
    """Stands for Django's request: part of a reference cycle, holding the body."""

    def __init__(self, body: bytes):
        self.body, self.me = body, self


def application_keeping(requests: list):
    def application(environ, start_response):
        request = Request(environ["wsgi.input"].read())
        requests.append(weakref.ref(request))
        start_response("201 Created", [("Content-Type", "text/plain")])
        return [b"Created"]

    return application


def call(application, body: bytes):
    environ = {"CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    response = application(environ, lambda status, headers: None)
    assert b"".join(response) == b"Created"
    return response


@pytest.fixture
def no_automatic_collection(monkeypatch):
    monkeypatch.setattr(request_bodies, "LARGE_BODY_BYTES", 1000)
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.mark.nodb
def test_a_large_requests_garbage_is_collected_when_its_response_is_closed(
    no_automatic_collection,
):
    requests = []
    response = call(request_bodies.receive_body_first(application_keeping(requests)), b"x" * 2000)
    assert requests[0]() is not None  # a cycle: only a collection frees it
    response.close()
    assert requests[0]() is None


@pytest.mark.nodb
def test_small_requests_are_left_to_the_usual_collection(no_automatic_collection):
    requests = []
    response = call(request_bodies.receive_body_first(application_keeping(requests)), b"x" * 10)
    assert response == [b"Created"]  # not wrapped: no collection after every request
    assert requests[0]() is not None
    gc.collect()


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(large_bodies, "LARGE_BODY_BYTES", 1000)
    monkeypatch.setattr(large_bodies, "WAIT_SECONDS", 0.2)


# PostgreSQL only: the tests' SQLite database lives in memory, and Django never closes that
# connection (closing it would drop the database).
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_put_waiting_for_the_slot_holds_no_database_connection(client, cast, small_threshold):
    connection.ensure_connection()
    assert large_bodies._slots.acquire(timeout=1)  # another large PUT is being stored
    try:
        response = put(client, "/records/Private/run/", record_body("run"), cast.writer)
    finally:
        large_bodies._slots.release()
    assert_error(response, 503, "busy storing other large requests")
    assert connection.connection is None  # given back while it waited
    assert not Record.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_large_write_lets_its_postgresql_connection_go(client, cast, small_threshold):
    response = put(client, "/records/Private/small/", b"{}", cast.writer)  # refused, small
    assert response.status_code == 400
    assert connection.connection is not None
    response = put(client, "/records/Private/run/", record_body("run"), cast.writer)
    assert response.status_code == 201
    assert connection.connection is None  # its buffers went with it
    assert Record.objects.filter(label="run").exists()
