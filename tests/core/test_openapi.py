"""/openapi.json describes the real routes, and no documented request makes the server fail."""

import base64
import re

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.urls import resolve
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate

from reprostore.core.openapi import openapi_document
from reprostore.wsgi import application

SCHEMA = schemathesis.openapi.from_dict(openapi_document())


def test_the_document_is_valid_openapi(client):
    document = client.get("/openapi.json").json()
    validate(document)
    assert document == openapi_document()


@pytest.mark.parametrize("path", sorted(openapi_document()["paths"]))
def test_every_documented_path_is_a_route(path):
    concrete = re.sub(r"\{[^}]+\}", "x", path)
    assert resolve(concrete).url_name not in (None, "not-found"), path


@pytest.fixture
def superuser(db, settings, tmp_path):
    from django.contrib.auth import get_user_model

    from reprostore.packets.root import init_root

    settings.REPROSTORE_ROOT = init_root(tmp_path / "root")
    get_user_model().objects.create_superuser("fuzz", password="fuzz password")
    # The real WSGI handler closes "old" connections around each request, which would close the
    # test's transaction; Django's own test client disconnects these signals the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield "Basic " + base64.b64encode(b"fuzz:fuzz password").decode()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@SCHEMA.parametrize()
# The store is shared by the examples of one operation on purpose: later requests meet what
# earlier ones stored. Only the status matters here.
@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.django_db
def test_no_documented_request_is_a_server_error(case, superuser):
    response = case.call(app=application, headers={"Authorization": superuser})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
