"""GET /outpack/ and /outpack/checksum."""

import hashlib

import pytest

from .conftest import failure, success


def test_root_reports_the_schema_version(client, example):
    data = success(client.get("/outpack/"), "root.json")
    assert data == {"schema_version": "0.1.1"}


def test_checksum_defaults_to_the_roots_algorithm(client, example):
    data = success(client.get("/outpack/checksum"), "hash.json")
    assert data == "sha256:d226e976507a998c6811296f471dc9a868548a3b8b3fdc876901b5113fe6a03c"


def test_checksum_with_another_algorithm(client, example):
    data = success(client.get("/outpack/checksum?alg=md5"), "hash.json")
    assert data == "md5:77c6f71f79fb7183ba2dfcb6dd5684e2"


def test_checksum_of_an_empty_root(client, empty_root):
    assert success(client.get("/outpack/checksum")) == ("sha256:" + hashlib.sha256(b"").hexdigest())


@pytest.mark.parametrize("alg", ["sha666", "", "SHA256"])
def test_checksum_with_a_bad_algorithm(client, example, alg):
    failure(client.get(f"/outpack/checksum?alg={alg}"), 400, f"Invalid hash algorithm '{alg}'")
