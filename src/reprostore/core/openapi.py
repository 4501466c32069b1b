"""The OpenAPI 3.1 description of reprostore's two JSON APIs, served at /openapi.json.

Written by hand: the views are plain Django, and the protocols are fixed by their clients
(Sumatra 0.8.1, pyorderly, orderly), so this document describes them rather than drives them.
"""

import json

from reprostore import __version__
from reprostore.packets.hashing import ALGORITHMS
from reprostore.packets.ids import STORED_ID
from reprostore.query.evaluate import MAX_QUERY_LENGTH
from reprostore.records.documents import record_schema
from reprostore.records.models import Level
from reprostore.records.protocol import media_types, vendor_type

# Constants below come from the code that enforces them, so the document cannot drift from it.
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
# The schema the server validates records with (records/record.schema.json), as a component.
RECORD = {"$ref": "#/components/schemas/Record"}
PROJECTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "name", "description", "uri", "last_updated"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "uri": {"type": "string"},
            "last_updated": {"type": "string"},
        },
    },
}
GRANTS = {
    "type": "object",
    "required": ["id", "public", "permissions"],
    "properties": {
        "id": {"type": "string"},
        "public": {"type": "boolean"},
        "permissions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"user": {"type": "string"}, "level": {"type": "string"}},
            },
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
    """An outpack route; every one may refuse a caller without a grant (401, 403)."""
    ok = {"200": {"description": "success", **json_body(envelope(data))}}
    errors = sorted({*errors, 401, 403})
    return {"summary": summary, "responses": answers(ok, *errors, error_schema=OUTPACK_FAILURE)}


def path_parameter(name: str, schema=None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def sumatra_json(schema, resource: str) -> dict:
    """A Sumatra response: the same document under each media type the API offers."""
    return {"content": {media: {"schema": schema} for media in media_types(resource)}}


READ_ERRORS = (401, 403, 404, 406)
WRITE_ERRORS = (400, 401, 403, 404, 413, 507)


def records_paths() -> dict:
    project, label = path_parameter("project"), path_parameter("label")
    record = {"200": {"description": "record", **sumatra_json(RECORD, "record")}}
    project_document = {"200": {"description": "project", **sumatra_json(PROJECT, "project")}}
    reserved = {"summary": "Refused: 'last' is not a label", "responses": answers({}, 400)}
    return {
        "/records/": {
            "get": {
                "summary": "Projects the caller may read",
                "responses": answers(
                    {"200": {"description": "projects", **sumatra_json(PROJECTS, "project-list")}},
                    401,
                    406,
                ),
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
                "responses": answers(project_document, 400, *READ_ERRORS),
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
                    *WRITE_ERRORS,
                ),
            },
        },
        "/records/{project}/{label}/": {
            "parameters": [project, label],
            "get": {
                "summary": "A record, exactly as stored",
                "responses": answers(record, *READ_ERRORS),
            },
            "put": {
                "summary": "Create (201) or replace (200) a record",
                "requestBody": json_body(RECORD, RECORD_MEDIA_TYPE),
                "responses": answers(
                    {"200": {"description": "replaced"}, "201": {"description": "created"}},
                    *WRITE_ERRORS,
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
                "responses": answers(record, *READ_ERRORS),
            },
            "put": reserved,
            "delete": reserved,
        },
        "/records/{project}/tag/{tag}/": {
            "parameters": [project, path_parameter("tag")],
            "get": {
                "summary": "The project with the records that carry this tag",
                "responses": answers(project_document, *READ_ERRORS),
            },
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
                "responses": answers(
                    {"200": {"description": "grants", **sumatra_json(GRANTS, "permissions")}},
                    *READ_ERRORS,
                ),
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
                "responses": answers({"204": {"description": "granted"}}, 400, 401, 403, 404, 415),
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
                    401,
                    403,
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
                    401,
                    403,
                    404,
                    error_schema=OUTPACK_FAILURE,
                ),
            },
            "post": {
                **outpack(
                    {"type": "null"}, 400, 413, 507, summary="Upload a file; its hash is checked"
                ),
                "requestBody": {"content": {"application/octet-stream": {}}},
            },
        },
        "/outpack/packet/{hash}": {
            "parameters": [path_parameter("hash", HASH)],
            "post": {
                **outpack({"type": "null"}, 400, 409, 413, 507, summary="Upload packet metadata"),
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
                    {"name": "subquery", "in": "query", "schema": {"type": "string"}},
                ],
            }
        },
        "/outpack/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": answers(
                    {"200": {"description": "metrics", "content": {"text/plain": {}}}},
                    401,
                    403,
                    error_schema=OUTPACK_FAILURE,
                ),
            }
        },
    }


def packit_paths() -> dict:
    """The device login pyorderly's `packit` location runs (RFC 8628); the outpack routes are also
    served under /packit/api/outpack/, as described above."""
    oauth_error = {
        "type": "object",
        "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
        "required": ["error"],
    }
    form = "application/x-www-form-urlencoded"
    return {
        "/packit/api/deviceAuth": {
            "post": {
                "summary": "Start a device login: a device code to poll with, a code for a person",
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["client_id"],
                        "properties": {"client_id": {"type": "string", "enum": ["pyorderly"]}},
                    },
                    form,
                ),
                "responses": answers(
                    {"200": {"description": "started"}}, 400, error_schema=oauth_error
                ),
            }
        },
        "/packit/api/deviceAuth/token": {
            "post": {
                "summary": "Poll for the token of an approved device login",
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["grant_type", "device_code", "client_id"],
                        "properties": {
                            "grant_type": {"type": "string"},
                            "device_code": {"type": "string"},
                            "client_id": {"type": "string"},
                        },
                    },
                    form,
                ),
                "responses": answers(
                    {"200": {"description": "a bearer token"}}, 400, error_schema=oauth_error
                ),
            }
        },
    }


def record_component() -> dict:
    """The record schema as a component: its own definitions referred to from where it sits."""
    schema = {key: value for key, value in record_schema().items() if key != "$schema"}
    text = json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/Record/$defs/')
    return json.loads(text)


# Answers any route may give, whatever it does: a request line longer than gunicorn reads
# (its own HTML page), and a database that is down or locked (retry after a while).
ANY_ROUTE = {
    "414": {"description": "request line too long for the server", "content": {"text/html": {}}},
}
UNAVAILABLE = {"description": "the database is unavailable; retry after Retry-After seconds"}


def with_common_answers(paths: dict) -> dict:
    for item in paths.values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            error_body = next(
                (r["content"] for code, r in responses.items() if code >= "400" and "content" in r),
                json_body(ERROR)["content"],
            )
            responses.update(ANY_ROUTE)
            responses.setdefault("503", {**UNAVAILABLE, "content": error_body})
    return paths


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "reprostore",
            "version": __version__,
            "description": "Sumatra record store and outpack location. See docs/api.md.",
        },
        "components": {
            "schemas": {"Record": record_component()},
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"basic": []}, {"bearer": []}, {}],
        "paths": with_common_answers({**records_paths(), **outpack_paths(), **packit_paths()}),
    }
