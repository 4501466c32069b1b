"""Large request bodies are read and stored one at a time per process, so that a burst of them
can't multiply a worker's memory (issue 12)."""

import pytest

from reprostore.lib import large_bodies
from reprostore.records.models import Record
from tests.records.helpers import assert_error, put
from tests.support.records import record_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(large_bodies, "LARGE_BODY_BYTES", 1000)
    monkeypatch.setattr(large_bodies, "WAIT_SECONDS", 0.2)


def test_a_large_body_waits_for_the_slot_and_then_is_told_to_retry(client, cast, small_threshold):
    assert large_bodies._slots.acquire(timeout=1)  # another large PUT is being stored
    try:
        response = put(client, "/records/Private/run/", record_body("run"), cast.writer)
        assert_error(response, 503, "busy storing other large requests")
        assert response["Retry-After"]
        assert not Record.objects.exists()
    finally:
        large_bodies._slots.release()
    response = put(client, "/records/Private/run/", record_body("run"), cast.writer)
    assert response.status_code == 201


def test_small_bodies_never_wait(client, cast, monkeypatch):
    monkeypatch.setattr(large_bodies, "WAIT_SECONDS", 0.2)
    assert large_bodies._slots.acquire(timeout=1)
    try:
        assert (
            put(client, "/records/Private/run/", record_body("run"), cast.writer).status_code == 201
        )
    finally:
        large_bodies._slots.release()
