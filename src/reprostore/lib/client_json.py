"""JSON sent by clients, read so that nothing in it can break what is built from it later.

Python's `json` accepts more than a reader of the stored document can: `NaN`, `Infinity` and
`1e400` (which it reads as infinity), lone surrogate escapes such as `\\ud800` that can't be
written as UTF-8, and nesting deep enough to exhaust the interpreter's stack. (Integers of any
size are kept: they are written back exactly, and where a column needs a double the code that
fills it checks the range.) A document is
kept verbatim and read again by other programs (the Sumatra client, pyorderly, the database's
JSON columns, our own pages), so each of these is refused here, with the place it was found.
"""

import json
import math

# Real documents nest a handful of levels (a Sumatra record 4, outpack metadata 6); this leaves
# plenty of room and keeps every recursive reader (ours, jsonschema, templates) far from
# Python's recursion limit.
MAX_DEPTH = 64
BYTE_ORDER_MARK = "\ufeff"


class ClientJSONError(ValueError):
    """JSON that was refused; the message says where and why, for a 400."""


class NotJSON(ClientJSONError):
    """Text that is not JSON at all (or not UTF-8, or too deep to read); the message is the
    parser's."""


def loads(data: bytes | str, *, allow_nul: bool = True):
    """The value of a client's JSON text, or ClientJSONError (see `check_value`).

    Bytes must be UTF-8 without a byte-order mark: Python's `json.loads` would strip the mark
    from bytes, and then the stored text would start with one that other readers refuse.
    """
    if isinstance(data, bytes | bytearray):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise NotJSON("the body is not valid UTF-8") from None
    if data.startswith(BYTE_ORDER_MARK):
        raise NotJSON("it starts with a byte-order mark (U+FEFF); send UTF-8 without one")
    try:
        value = json.loads(data, parse_constant=refuse_constant)
    except RecursionError:
        raise NotJSON(f"it is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as error:
        raise NotJSON(str(error)) from None
    check_value(value, allow_nul=allow_nul)
    return value


def refuse_constant(name: str):
    # NaN and Infinity are Python's extensions; strict readers (serde, JavaScript) refuse them.
    raise ValueError(f"{name} is not valid JSON")


def check_value(value, *, allow_nul: bool = True) -> None:
    """Raise ClientJSONError for the first thing in `value` a reader could not take back.

    Walked without recursion, so a deep value is refused, not a crash. NUL is allowed unless
    `allow_nul` is false (PostgreSQL's JSON and text columns cannot hold it).
    """
    pending = [(value, (), 1)]
    while pending:
        current, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ClientJSONError(
                f"it is nested more than {MAX_DEPTH} levels deep (at {describe(path)})"
            )
        if isinstance(current, str):
            check_text(current, path, allow_nul)
        elif isinstance(current, float):
            if not math.isfinite(current):
                raise ClientJSONError(
                    f"{describe(path)} is not a finite number (NaN, Infinity and numbers beyond "
                    "±1.8e308 can't be read back)"
                )
        elif isinstance(current, dict):
            for key, item in current.items():
                check_text(key, (*path, key), allow_nul)
                pending.append((item, (*path, key), depth + 1))
        elif isinstance(current, list):
            pending.extend((item, (*path, i), depth + 1) for i, item in enumerate(current))


def check_text(text: str, path: tuple, allow_nul: bool) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ClientJSONError(
                f"{describe(path)} holds a lone surrogate escape (such as \\ud800), which is "
                "not a character"
            ) from None
    if not allow_nul and "\x00" in text:
        raise ClientJSONError(f"{describe(path)} holds a NUL character (\\u0000)")


def describe(path: tuple) -> str:
    """'output_data[0].path' for ("output_data", 0, "path"); 'the document' for ()."""
    if not path:
        return "the document"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f"'{text}'"


def fits_double(number: int | float) -> bool:
    """Whether a number converts to a finite double (a FloatField, a JSON reader's number)."""
    try:
        return math.isfinite(float(number))
    except OverflowError:
        return False
