"""Fixtures for the outpack API: a copy of the example root served in-process, and the one
helper that pins the envelope of every response against outpack_server's JSON schemas."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from reprostore.packets.index import forget_sync_state
from tests.support.fixtures import OUTPACK_FIXTURES as FIXTURES

SCHEMAS = FIXTURES / "schema" / "server"
JSON = "application/json"


def serve(settings, path):
    # The protocol's tests call as anonymous clients on a location opened for a trusted network;
    # test_access.py and test_permissions.py test who may do what.
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "write"
    settings.REPROSTORE_ROOT = path
    settings.REPROSTORE_OUTPACK_SYNC_SECONDS = 0
    forget_sync_state()
    return path


@pytest.fixture
def example(settings, tmp_path, db):
    """The example root (4 packets, 1 stored file), copied and served."""
    return serve(settings, Path(shutil.copytree(FIXTURES / "example", tmp_path / "example")))


@pytest.fixture
def bad_example(settings, tmp_path, db):
    return serve(settings, Path(shutil.copytree(FIXTURES / "bad-example", tmp_path / "bad")))


@pytest.fixture
def empty_root(settings, tmp_path, db):
    from reprostore.packets.root import init_root

    return serve(settings, init_root(tmp_path / "empty"))


def _retrieve(uri):
    return Resource.from_contents(json.loads((SCHEMAS / uri).read_text()))


REGISTRY = Registry(retrieve=_retrieve)


def validate(instance, schema_name):
    schema = json.loads((SCHEMAS / schema_name).read_text())
    Draft7Validator(schema, registry=REGISTRY).validate(instance)


def success(response, schema=None, status=200):
    """The `data` of a success envelope, checked against the server schemas."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == JSON
    assert response.has_header("x-request-id")
    body = response.json()
    validate(body, "response-success.json")
    if schema:
        validate(body["data"], schema)
    return body["data"]


def failure(response, status, detail=None):
    """The one error of a failure envelope; `detail` must equal it when given."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == JSON
    assert response.has_header("x-request-id")
    body = response.json()
    validate(body, "response-failure.json")
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    if detail is not None:
        assert error["detail"] == detail
    return error


def packet_metadata(packet_id, files=(), depends=(), name="report", **extra):
    """Metadata bytes for a packet whose files have the contents in `files` ({path: bytes})."""
    metadata = {
        "schema_version": "0.1.1",
        "id": packet_id,
        "name": name,
        "parameters": extra.pop("parameters", None),
        "time": {"start": 1700000000.0, "end": 1700000001.5},
        "files": [
            {"path": path, "size": len(data), "hash": sha256(data)} for path, data in files.items()
        ]
        if files
        else [],
        "depends": [{"packet": d, "query": "latest", "files": []} for d in depends],
        "git": None,
        "custom": None,
        **extra,
    }
    return json.dumps(metadata, indent=2).encode()


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()
