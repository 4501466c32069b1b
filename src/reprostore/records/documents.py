"""Sumatra record documents: what a valid one looks like, and the columns we copy out of it.

Records are data. We never build Sumatra objects from them; we only check that a document is one
the Sumatra client can decode again, and that nothing in it would make a reader's client `eval()`
code (the client evaluates `dict` parameter content and string launch-mode/datastore parameters).
"""

import ast
import datetime
import json

import yaml

from reprostore.lib.http import BadRequest

# The status tags `smt run` ends a record with; after one of them a record's provenance is frozen.
FINAL_TAGS = frozenset({"_finished_", "_failed_", "_killed_", "_succeeded_", "_crashed_"})
# What `smt comment`, `smt tag` and `smt migrate` may still change on a finished record.
MUTABLE_WHEN_FINAL = ("reason", "outcome", "tags", "datastore", "input_datastore", "output_data")
# Fields `sumatra.recordstore.serialization.build_record` cannot do without.
REQUIRED = {
    "label": str,
    "timestamp": str,
    "reason": str,
    "executable": dict,
    "repository": dict,
    "version": str,
    "parameters": dict,
    "launch_mode": dict,
    "datastore": dict,
    "outcome": str,
    "tags": list,
    "diff": str,
    "dependencies": list,
    "platforms": list,
}
TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
JSON_TYPE_NAMES = {str: "a string", dict: "an object", list: "an array"}


def parse_json(body: bytes, what: str):
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest(f"The {what} is not valid JSON: {error}") from error


def parse_timestamp(text: str) -> datetime.datetime:
    """A Sumatra timestamp as an aware datetime (UTC without an offset, as the client reads it)."""
    if text.endswith(" 00:00"):  # a '+' that became a space on the way
        text = text[:-6] + "+00:00"
    for fmt in TIMESTAMP_FORMATS:
        try:
            stamp = datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=datetime.UTC)
    raise BadRequest(f"Invalid timestamp '{text}': expected YYYY-MM-DD HH:MM:SS+HHMM")


def check_record(document, label: str) -> dict:
    """`document` if the Sumatra client can read it back; otherwise BadRequest."""
    if not isinstance(document, dict):
        raise BadRequest("A record must be a JSON object")
    for key, kind in REQUIRED.items():
        if key not in document:
            raise BadRequest(f"The record has no '{key}' field")
        if not isinstance(document[key], kind):
            raise BadRequest(f"The record's '{key}' must be {JSON_TYPE_NAMES[kind]}")
    if document["label"] != label:
        raise BadRequest(
            f"The record's label '{document['label']}' differs from the URL's '{label}'"
        )
    parse_timestamp(document["timestamp"])
    if not all(isinstance(tag, str) for tag in document["tags"]):
        raise BadRequest("The record's 'tags' must be an array of strings")
    check_parameters(document["parameters"])
    for key in ("launch_mode", "datastore", "input_datastore"):
        check_component(document, key)
    return document


def check_parameters(parameters: dict) -> None:
    if not isinstance(parameters.get("type"), str) or not isinstance(
        parameters.get("content"), str
    ):
        raise BadRequest("The record's 'parameters' must have a string 'type' and 'content'")
    if parameters["type"] == "dict":
        try:
            ast.literal_eval(parameters["content"] or "{}")
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
            raise BadRequest(
                "Parameters of type 'dict' must be a Python literal (the Sumatra client evaluates "
                "them)"
            ) from error


def check_component(document: dict, key: str) -> None:
    component = document.get(key)
    if component is None and key == "input_datastore":
        return
    if not isinstance(component, dict) or not isinstance(component.get("type"), str):
        raise BadRequest(f"The record's '{key}' must be an object with a string 'type'")
    if not isinstance(component.get("parameters", {}), dict):
        raise BadRequest(
            f"The record's '{key}.parameters' must be an object (the Sumatra client evaluates "
            "strings)"
        )


def is_final(document: dict) -> bool:
    return not FINAL_TAGS.isdisjoint(document.get("tags", ()))


def freeze(stored: dict, incoming: dict) -> dict:
    """A finished record keeps its provenance; only the fields smt may still change are taken."""
    merged = dict(stored)
    for key in MUTABLE_WHEN_FINAL:
        if key in incoming:
            merged[key] = incoming[key]
    return merged


def db_text(value: str) -> str:
    # PostgreSQL text cannot hold NUL; the document itself keeps it, escaped, in `body`.
    return value.replace("\x00", "\ufffd")


def text_or_empty(value) -> str:
    return db_text(value) if isinstance(value, str) else ""


def columns(document: dict) -> dict:
    """The Record columns copied from a checked document."""
    duration = document.get("duration")
    return {
        "timestamp": parse_timestamp(document["timestamp"]),
        "final": is_final(document),
        "reason": text_or_empty(document.get("reason")),
        "outcome": text_or_empty(document.get("outcome")),
        "main_file": text_or_empty(document.get("main_file")),
        "version": text_or_empty(document.get("version")),
        "user": text_or_empty(document.get("user")),
        "duration": duration
        if isinstance(duration, int | float) and not isinstance(duration, bool)
        else None,
    }


def parameter_values(parameters: dict) -> dict:
    """The top-level parameter values of a record, where its parameter format is structured.

    Formats we cannot read (or content that does not parse) give no values: the record is still
    stored, it just matches no `parameter:` query.
    """
    kind, content = parameters.get("type"), parameters.get("content") or ""
    try:
        if kind == "JSONParameterSet":
            values = json.loads(content)
        elif kind == "YAMLParameterSet":
            values = yaml.safe_load(content)
        elif kind in ("dict", "NTParameterSet"):
            values = ast.literal_eval(content or "{}")
        elif kind == "SimpleParameterSet":
            values = simple_parameters(content)
        else:
            return {}
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, yaml.YAMLError):
        return {}
    return {str(name): value for name, value in values.items()} if isinstance(values, dict) else {}


def simple_parameters(content: str) -> dict:
    """Sumatra's SimpleParameterSet: one `name = value  # comment` per line."""
    values = {}
    for line in content.splitlines():
        name, equals, rest = line.partition("=")
        if not equals or not name.strip():
            continue
        values[name.strip()] = simple_value(rest)
    return values


def simple_value(text: str):
    # A Python literal may carry a trailing `# comment`, which literal_eval already ignores.
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text.split("#", 1)[0].strip()
