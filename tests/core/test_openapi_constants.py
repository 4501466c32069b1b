"""What /openapi.json promises about values is what the code enforces, not a copy of it."""

import re

import pytest

from reprostore.core.openapi import JSON_TYPES, openapi_document
from reprostore.packets.hashing import ALGORITHMS
from reprostore.packets.ids import STORED_ID, is_packet_id
from reprostore.query.evaluate import MAX_QUERY_LENGTH
from reprostore.records.documents import REQUIRED, check_record
from reprostore.records.models import Level

DOCUMENT = openapi_document()
PATHS = DOCUMENT["paths"]
EXAMPLES = {"string": "", "object": {}, "array": []}


def parameter(path: str, name: str, method: str | None = None) -> dict:
    item = PATHS[path]
    parameters = item.get("parameters", []) + (item[method].get("parameters", []) if method else [])
    (found,) = [p for p in parameters if p["name"] == name]
    return found["schema"]


def record_schema() -> dict:
    return PATHS["/records/{project}/{label}/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]


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


def test_a_record_has_the_fields_and_types_check_record_demands():
    schema = record_schema()
    assert schema["required"] == list(REQUIRED)
    for name, kind in REQUIRED.items():
        assert schema["properties"][name]["type"] == JSON_TYPES[kind]


@pytest.mark.parametrize("field", sorted(REQUIRED))
def test_each_documented_required_field_is_really_required(field):
    document = {name: EXAMPLES[JSON_TYPES[kind]] for name, kind in REQUIRED.items()}
    document.update(label="run", timestamp="2024-05-06 07:08:09+0000", tags=[])
    document.update(parameters={"type": "SimpleParameterSet", "content": ""})
    document.update(launch_mode={"type": "SerialLaunchMode"}, datastore={"type": "FileSystem"})
    assert check_record(dict(document), "run")
    del document[field]
    with pytest.raises(Exception, match=f"no '{field}' field"):
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
