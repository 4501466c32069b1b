"""The outpack query language: `parse()` turns query text into the AST of `ast.py`."""

from reprostore.query.ast import to_dict
from reprostore.query.parse import ParseError, parse

__all__ = ["ParseError", "parse", "to_dict"]
