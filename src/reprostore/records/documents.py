"""Sumatra record documents: what a valid one looks like, and the columns we copy out of it.

Records are data. We never build Sumatra objects from them; we only check that a document is one
the Sumatra client can decode again, and that nothing in it would make a reader's client `eval()`
code (the client evaluates `dict` parameter content and string launch-mode/datastore parameters).
"""

import ast
import datetime
import functools
import json
import re
from importlib import resources

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from reprostore.lib import client_json
from reprostore.lib.http import BadRequest

# The status tags `smt run` ends a record with; after one of them a record's provenance is frozen.
FINAL_TAGS = frozenset({"_finished_", "_failed_", "_killed_", "_succeeded_", "_crashed_"})
# What `smt comment`, `smt tag` and `smt migrate` may still change on a finished record.
MUTABLE_WHEN_FINAL = ("reason", "outcome", "tags", "datastore", "input_datastore", "output_data")
TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
JSON_TYPE_NAMES = {
    "string": "a string",
    "object": "an object",
    "array": "an array",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
}
# A YAML parameter set may share a node many times through aliases; written out (as the
# parameter index and the record page do) a 1 kB "billion laughs" becomes gigabytes. Values that
# expand beyond this many nodes are left out of the index, and the page shows the text.
MAX_EXPANDED_NODES = 100_000


@functools.cache
def record_schema() -> dict:
    """The JSON Schema of a Sumatra record (records/record.schema.json), also in /openapi.json."""
    text = resources.files("reprostore.records").joinpath("record.schema.json").read_text()
    return json.loads(text)


@functools.cache
def record_validator() -> Draft202012Validator:
    return Draft202012Validator(record_schema())


@functools.cache
def fast_record_validator():
    """The record schema compiled by jsonschema-rs (the same draft, 2020-12). jsonschema walks a
    record in 2-3 ms, a fifth of the server's work on a PUT; this says whether it is valid in
    a few microseconds. jsonschema still explains a refusal (and has the last word on one)."""
    return jsonschema_rs.validator_for(record_schema())


def parse_json(body: bytes, what: str):
    """A client's JSON document; 400 saying what is wrong (see lib/client_json.py)."""
    try:
        return client_json.loads(body)
    except client_json.NotJSON as error:
        raise BadRequest(f"The {what} is not valid JSON: {error}") from None
    except client_json.ClientJSONError as error:
        raise BadRequest(f"The {what} can't be stored: {error}") from None


# The shape Sumatra writes ("2024-05-06 07:08:09+0000"), read without strptime, which tries
# each format in turn and cost a record PUT 2-3 % of its CPU. Anything else, a value out of range
# included, goes through `timestamp_by_formats`, which has the last word.
CANONICAL_TIMESTAMP = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:([+-])(\d\d):?([0-5]\d))?", re.ASCII
)


def parse_timestamp(text: str) -> datetime.datetime:
    """A Sumatra timestamp as a datetime in UTC (UTC without an offset, as the client reads it)."""
    if text.endswith(" 00:00"):  # a '+' that became a space on the way
        text = text[:-6] + "+00:00"
    if match := CANONICAL_TIMESTAMP.fullmatch(text):
        *parts, sign, hours, minutes = match.groups()
        try:
            stamp = datetime.datetime(*map(int, parts), tzinfo=datetime.UTC)
            if sign is None:
                return stamp
            offset = datetime.timedelta(hours=int(hours), minutes=int(minutes))
            zone = datetime.timezone(-offset if sign == "-" else offset)
            return stamp.replace(tzinfo=zone).astimezone(datetime.UTC)
        except (ValueError, OverflowError):
            pass
    return timestamp_by_formats(text)


def timestamp_by_formats(text: str) -> datetime.datetime:
    """`parse_timestamp` by `TIMESTAMP_FORMATS`, the first that reads the text."""
    for fmt in TIMESTAMP_FORMATS:
        try:
            stamp = datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=datetime.UTC)
        try:
            # 9999-12-31 23:00:00-0200 is a fine string but no date a database can hold.
            return stamp.astimezone(datetime.UTC)
        except OverflowError:
            raise BadRequest(
                f"Invalid timestamp '{text}': in UTC it falls outside the years 1 to 9999"
            ) from None
    raise BadRequest(f"Invalid timestamp '{text}': expected YYYY-MM-DD HH:MM:SS+HHMM")


def check_record(document, label: str) -> dict:
    """`document` if the Sumatra client can read it back; otherwise BadRequest naming the field."""
    if not isinstance(document, dict):
        raise BadRequest("A record must be a JSON object")
    if not fast_record_validator().is_valid(document):
        error = best_match(record_validator().iter_errors(document))
        if error is not None:
            raise BadRequest(schema_problem(error))
    if document["label"] != label:
        raise BadRequest(
            f"The record's label '{document['label']}' differs from the URL's '{label}'"
        )
    duration = document["duration"]
    if duration is not None and not client_json.fits_double(duration):
        raise BadRequest("The record's 'duration' is a number beyond ±1.8e308")
    parse_timestamp(document["timestamp"])
    for key in ("input_data", "output_data"):
        for item in document.get(key) or ():
            if isinstance(item, dict) and item.get("creation") is not None:
                parse_timestamp(item["creation"])
    check_parameters(document["parameters"])
    return document


def schema_problem(error) -> str:
    """A sentence naming the field for the first thing the record schema refuses."""
    path = tuple(error.absolute_path)
    where = client_json.describe(path)
    subject = f"The record's {where}" if path else "The record"
    if "propertyNames" in error.schema_path:
        return f"{subject} can't have the key {json.dumps(error.instance)}: {error.message}"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"{subject} has no '{missing}' field"
    if error.validator == "type":
        kinds = error.validator_value
        kinds = [kinds] if isinstance(kinds, str) else kinds
        wanted = " or ".join(JSON_TYPE_NAMES[kind] for kind in kinds)
        return f"{subject} must be {wanted}, not {shown(error.instance)}"
    if error.validator == "enum":
        choices = ", ".join(error.validator_value)
        return f"{subject} must be one of {choices}, not {shown(error.instance)}"
    if error.validator == "pattern":  # only timestamps have one
        return (
            f"Invalid timestamp {shown(error.instance)} for {where}: "
            "expected YYYY-MM-DD HH:MM:SS+HHMM"
        ).replace('"', "'", 2)
    if error.validator == "minLength":
        return f"{subject} must not be empty"
    return f"{subject} is not valid: {error.message}"


def shown(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:59] + "…"


def check_parameters(parameters: dict) -> None:
    """Content the client can turn back into its parameter set."""
    kind, content = parameters["type"], parameters["content"]
    try:
        if kind == "dict":
            # The client eval()s this: only a literal may pass.
            ast.literal_eval(content or "{}")
        elif kind == "JSONParameterSet" and content:
            json.loads(content)
        elif kind == "YAMLParameterSet" and not isinstance(yaml.safe_load(content or "{}"), dict):
            raise ValueError("not a mapping")
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, yaml.YAMLError) as e:
        what = "a Python literal (the Sumatra client evaluates them)" if kind == "dict" else kind
        raise BadRequest(
            f"The record's 'parameters.content' must be {what}: it does not parse ({e})"
        ) from e


def is_final(document: dict) -> bool:
    return not FINAL_TAGS.isdisjoint(document.get("tags", ()))


def freeze(stored: dict, incoming: dict) -> dict:
    """A finished record keeps its provenance; only the fields smt may still change are taken."""
    merged = dict(stored)
    for key in MUTABLE_WHEN_FINAL:
        if key in incoming:
            merged[key] = incoming[key]
    return merged


def load_stored(body: str):
    """A stored document. Records kept before byte-order marks were refused may start with one,
    which `json.loads` refuses; it is not part of the document."""
    return json.loads(body.removeprefix(client_json.BYTE_ORDER_MARK))


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

    Formats we cannot read (or content that does not parse, or that expands beyond
    MAX_EXPANDED_NODES) give no values: the record is still stored, it just matches no
    `parameter:` query. Values are plain JSON values, whatever the format made of them.
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
        if not isinstance(values, dict):
            return {}
        budget = [MAX_EXPANDED_NODES]
        return {clean_text(str(name)): plain(value, budget) for name, value in values.items()}
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, yaml.YAMLError):
        return {}


class TooLarge(ValueError):
    """A parameter value that expands beyond what the index keeps."""


def plain(value, budget: list[int], depth: int = 1):
    """`value` as plain JSON data, counting every node against the shared `budget`.

    YAML aliases make one node appear many times; counting each appearance is what stops a
    small document from expanding without bound. Anything that is not JSON data (a date from
    YAML, a set or bytes from a literal) becomes its text, as the client would print it.
    """
    budget[0] -= 1
    if budget[0] < 0 or depth > client_json.MAX_DEPTH:
        raise TooLarge("the parameter value is too large to index")
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {clean_text(str(k)): plain(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item, budget, depth + 1) for item in value]
    return clean_text(value if isinstance(value, str) else str(value))


def clean_text(text: str) -> str:
    """Text any database column can hold: lone surrogates (from escapes) become U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


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
