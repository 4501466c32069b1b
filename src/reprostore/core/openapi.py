"""The OpenAPI 3.1 description of reprostore's two JSON APIs, served at /openapi.json.

Written by hand: the views are plain Django, and the protocols are fixed by their clients
(Sumatra 0.8.1, pyorderly, orderly), so this document describes them rather than drives them.
"""

from reprostore import __version__
from reprostore.packets.hashing import ALGORITHMS
from reprostore.packets.ids import STORED_ID
from reprostore.query.evaluate import MAX_QUERY_LENGTH
from reprostore.records.documents import REQUIRED
from reprostore.records.models import Level
from reprostore.records.protocol import vendor_type

# Constants below come from the code that enforces them, so the document cannot drift from it.
JSON_TYPES = {str: "string", dict: "object", list: "array"}
ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
OUTPACK_FAILURE = {
    "type": "object",
    "properties": {
        "status": {"const": "failure"},
        "data": {"type": "null"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}
PACKET_ID = {"type": "string", "pattern": f"^{STORED_ID.pattern}$"}
# Hashes as the server writes them (lower-case hex); parsing also tolerates upper case.
HASH = {"type": "string", "pattern": f"^({'|'.join(ALGORITHMS)}):[0-9a-f]+$"}
QUERY = {"type": "string", "maxLength": MAX_QUERY_LENGTH}
RECORD_MEDIA_TYPE = vendor_type("record", 4)
RECORD = {
    "type": "object",
    "description": "A Sumatra record document (sumatra.formatting.record2dict), stored verbatim.",
    "required": list(REQUIRED),
    "properties": {
        **{name: {"type": JSON_TYPES[kind]} for name, kind in REQUIRED.items()},
        "timestamp": {"type": "string", "examples": ["2024-05-06 07:08:09+0000"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "parameters": {
            "type": "object",
            "properties": {"type": {"type": "string"}, "content": {"type": "string"}},
        },
    },
}
PROJECT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "user": {"type": "string"},
        "tags": {"type": ["string", "null"]},
        "access": {"type": "array", "items": {"type": "string"}},
        "records": {"type": "array", "items": {"type": "string", "format": "uri"}},
    },
}


def json_body(schema, media="application/json") -> dict:
    return {"content": {media: {"schema": schema}}}


def answers(ok: dict, *errors: int, error_schema=ERROR) -> dict:
    responses = dict(ok)
    for status in errors:
        responses[str(status)] = {"description": "error", **json_body(error_schema)}
    return responses


def envelope(data) -> dict:
    return {
        "type": "object",
        "properties": {"status": {"const": "success"}, "data": data, "errors": {"type": "null"}},
        "required": ["status", "data", "errors"],
    }


def outpack(data, *errors: int, summary: str) -> dict:
    ok = {"200": {"description": "success", **json_body(envelope(data))}}
    return {"summary": summary, "responses": answers(ok, *errors, error_schema=OUTPACK_FAILURE)}


def path_parameter(name: str, schema=None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def records_paths() -> dict:
    project, label = path_parameter("project"), path_parameter("label")
    return {
        "/records/": {
            "get": {
                "summary": "Projects the caller may read",
                "responses": answers({"200": {"description": "projects"}}, 401, 406),
            }
        },
        "/records/{project}/": {
            "parameters": [project],
            "get": {
                "summary": "A project and its record URLs, newest first",
                "parameters": [
                    {"name": "tags", "in": "query", "schema": {"type": "string"}},
                    {"name": "q", "in": "query", "schema": QUERY},
                ],
                "responses": answers(
                    {"200": {"description": "project", **json_body(PROJECT)}},
                    400,
                    401,
                    403,
                    404,
                    406,
                ),
            },
            "put": {
                "summary": "Create (201) or update (200) a project",
                "requestBody": json_body(
                    {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "description": {"type": "string"},
                        },
                    }
                ),
                "responses": answers(
                    {"200": {"description": "updated"}, "201": {"description": "created"}},
                    400,
                    401,
                    403,
                ),
            },
        },
        "/records/{project}/{label}/": {
            "parameters": [project, label],
            "get": {
                "summary": "A record, exactly as stored",
                "responses": answers(
                    {"200": {"description": "record", **json_body(RECORD)}}, 401, 403, 404, 406
                ),
            },
            "put": {
                "summary": "Create (201) or replace (200) a record",
                "requestBody": json_body(RECORD, RECORD_MEDIA_TYPE),
                "responses": answers(
                    {"200": {"description": "replaced"}, "201": {"description": "created"}},
                    400,
                    401,
                    403,
                    404,
                    413,
                    503,
                ),
            },
            "delete": {
                "summary": "Delete a record",
                "responses": answers({"204": {"description": "deleted"}}, 401, 403, 404),
            },
        },
        "/records/{project}/last/": {
            "parameters": [project],
            "get": {
                "summary": "The record with the latest timestamp",
                "responses": answers(
                    {"200": {"description": "record", **json_body(RECORD)}}, 401, 403, 404
                ),
            },
        },
        "/records/{project}/tag/{tag}/": {
            "parameters": [project, path_parameter("tag")],
            "delete": {
                "summary": "Delete every record with this tag; the body is the count",
                "responses": answers(
                    {
                        "200": {
                            "description": "count",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                    401,
                    403,
                    404,
                ),
            },
        },
        "/records/{project}/permissions/": {
            "parameters": [project],
            "get": {
                "summary": "Who may do what",
                "responses": answers({"200": {"description": "grants"}}, 401, 403, 404),
            },
            "post": {
                "summary": "Grant a user a level",
                "requestBody": json_body(
                    {
                        "type": "object",
                        "properties": {
                            "user": {"type": "string"},
                            "level": {"enum": [level.value for level in Level]},
                        },
                    }
                ),
                "responses": answers({"204": {"description": "granted"}}, 400, 401, 403, 404),
            },
        },
    }


def outpack_paths() -> dict:
    ids = {"type": "array", "items": {"type": "string"}}
    listing = {"type": "array", "items": {"type": "object"}}
    return {
        "/outpack/": {"get": outpack({"type": "object"}, summary="Schema version")},
        "/outpack/checksum": {
            "get": {
                **outpack({"type": "string"}, 400, summary="Hash of the known packet ids"),
                "parameters": [
                    {"name": "alg", "in": "query", "schema": {"enum": list(ALGORITHMS)}}
                ],
            }
        },
        "/outpack/metadata/list": {"get": outpack(listing, summary="Location entries")},
        "/outpack/packit/metadata": {
            "get": {
                **outpack(listing, 400, summary="Packet summaries"),
                "parameters": [
                    {"name": "known_since", "in": "query", "schema": {"type": "number"}}
                ],
            }
        },
        "/outpack/metadata/{id}/json": {
            "parameters": [path_parameter("id", PACKET_ID)],
            "get": outpack({"type": "object"}, 404, summary="Packet metadata as JSON"),
        },
        "/outpack/metadata/{id}/text": {
            "parameters": [path_parameter("id", PACKET_ID)],
            "get": {
                "summary": "Packet metadata, byte for byte",
                "responses": answers(
                    {
                        "200": {
                            "description": "metadata",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                    404,
                    error_schema=OUTPACK_FAILURE,
                ),
            },
        },
        "/outpack/file/{hash}": {
            "parameters": [path_parameter("hash", HASH)],
            "get": {
                "summary": "File content (streamed)",
                "responses": answers(
                    {"200": {"description": "bytes", "content": {"application/octet-stream": {}}}},
                    400,
                    404,
                    error_schema=OUTPACK_FAILURE,
                ),
            },
            "post": {
                **outpack({"type": "null"}, 400, summary="Upload a file; its hash is checked"),
                "requestBody": {"content": {"application/octet-stream": {}}},
            },
        },
        "/outpack/packet/{hash}": {
            "parameters": [path_parameter("hash", HASH)],
            "post": {
                **outpack({"type": "null"}, 400, 409, summary="Upload packet metadata"),
                "requestBody": {"content": {"text/plain": {"schema": {"type": "string"}}}},
            },
        },
        "/outpack/packets/missing": {
            "post": {
                **outpack(ids, 400, summary="Which packet ids are unknown"),
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["ids", "unpacked"],
                        "properties": {"ids": ids, "unpacked": {"type": "boolean"}},
                    }
                ),
            }
        },
        "/outpack/files/missing": {
            "post": {
                **outpack(ids, 400, summary="Which file hashes are not stored"),
                "requestBody": json_body(
                    {"type": "object", "required": ["hashes"], "properties": {"hashes": ids}}
                ),
            }
        },
        "/outpack/query": {
            "get": {
                **outpack(ids, 400, summary="Packet ids matching an outpack query"),
                "parameters": [
                    {"name": "q", "in": "query", "required": True, "schema": QUERY},
                    {"name": "this", "in": "query", "schema": {"type": "string"}},
                ],
            }
        },
        "/outpack/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {"200": {"description": "metrics", "content": {"text/plain": {}}}},
            }
        },
    }


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "reprostore",
            "version": __version__,
            "description": "Sumatra record store and outpack location. See docs/api.md.",
        },
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            }
        },
        "security": [{"basic": []}, {"bearer": []}, {}],
        "paths": {**records_paths(), **outpack_paths()},
    }
