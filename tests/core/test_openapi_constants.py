"""What /openapi.json promises about values is what the code enforces, not a copy of it."""

import re

import pytest

from reprostore.core.openapi import openapi_document
from reprostore.lib.http import BadRequest
from reprostore.packets.hashing import ALGORITHMS
from reprostore.packets.ids import STORED_ID, is_packet_id
from reprostore.query.evaluate import MAX_QUERY_LENGTH
from reprostore.records.documents import check_record
from reprostore.records.documents import record_schema as validated_schema
from reprostore.records.models import Level
from tests.support.records import record_document

DOCUMENT = openapi_document()
PATHS = DOCUMENT["paths"]


def parameter(path: str, name: str, method: str | None = None) -> dict:
    item = PATHS[path]
    parameters = item.get("parameters", []) + (item[method].get("parameters", []) if method else [])
    (found,) = [p for p in parameters if p["name"] == name]
    return found["schema"]


def record_schema() -> dict:
    reference = PATHS["/records/{project}/{label}/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    return DOCUMENT["components"]["schemas"][reference.rsplit("/", 1)[1]]


def test_packet_ids_are_the_ids_the_server_stores():
    pattern = parameter("/outpack/metadata/{id}/json", "id")["pattern"]
    assert pattern == f"^{STORED_ID.pattern}$"
    for candidate in ("20240506-070809-0123abcd", "20240506-070809-0123ABCD", "../etc/passwd"):
        assert bool(re.search(pattern, candidate)) is is_packet_id(candidate)


def test_hashes_name_the_algorithms_the_server_knows():
    pattern = parameter("/outpack/file/{hash}", "hash")["pattern"]
    documented = re.fullmatch(r"\^\((.*)\):\[0-9a-f\]\+\$", pattern).group(1).split("|")
    assert tuple(documented) == ALGORITHMS
    assert parameter("/outpack/checksum", "alg", "get") == {"enum": list(ALGORITHMS)}


def test_the_documented_record_is_the_schema_records_are_validated_with():
    documented = record_schema()
    expected = {k: v for k, v in validated_schema().items() if k != "$schema"}
    assert documented["required"] == expected["required"]
    assert documented["properties"].keys() == expected["properties"].keys()
    assert documented["$defs"].keys() == expected["$defs"].keys()


@pytest.mark.parametrize("field", validated_schema()["required"])
def test_each_documented_required_field_is_really_required(field):
    document = record_document("run")
    assert check_record(dict(document), "run")
    del document[field]
    with pytest.raises(BadRequest, match=f"no '{field}' field"):
        check_record(document, "run")


def test_grant_levels_are_the_model_levels():
    body = PATHS["/records/{project}/permissions/"]["post"]["requestBody"]
    level = body["content"]["application/json"]["schema"]["properties"]["level"]
    assert level == {"enum": list(Level.values)}


@pytest.mark.parametrize(
    "path, method", [("/records/{project}/", "get"), ("/outpack/query", "get")]
)
def test_queries_are_capped_where_the_parser_caps_them(path, method):
    assert parameter(path, "q", method)["maxLength"] == MAX_QUERY_LENGTH
