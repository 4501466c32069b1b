"""Turn query text into an AST (spec §2-4), and invalid text into the reference's error.

Valid text is parsed by lark with grammar.lark. When lark rejects the text, it is run again
through a model of the reference's own parser (pest 2.7 running outpack_server's
query.pest), because the reference's error messages come from pest's bookkeeping of which
named rules failed furthest into the text, and an LALR parser has no such rules to report.
"""

import contextlib
import functools
import math
import re
import sys
import threading
from pathlib import Path

from lark import Lark, Transformer, v_args
from lark.exceptions import LarkError

from reprostore.query.ast import (
    BooleanExpr,
    BooleanOperator,
    Brackets,
    Latest,
    Literal,
    LookupEnvironment,
    LookupField,
    LookupId,
    LookupName,
    LookupParameter,
    LookupThis,
    NamedSubquery,
    Negation,
    Single,
    Subquery,
    Test,
    TestOperator,
    UsedBy,
    Uses,
)

# "outpack" is the reference's language exactly; "records" adds the bare record lookups;
# "orderly" adds orderly's usedby/uses/subqueries (orderly.lark), "records-orderly" both.
DIALECTS = ("outpack", "records", "orderly", "records-orderly")
RECORDS_DIALECTS = ("records", "records-orderly")
ORDERLY_DIALECTS = ("orderly", "records-orderly")

GRAMMAR = Path(__file__).with_name("grammar.lark")
ORDERLY_GRAMMAR = Path(__file__).with_name("orderly.lark")

# Kept out of grammar.lark so that the outpack dialect stays exactly the reference's.
RECORDS_LOOKUPS = "%extend lookup: FIELD -> lookup_field"

TEST_OPERATORS = {
    "==": TestOperator.Equal,
    "!=": TestOperator.NotEqual,
    "<": TestOperator.LessThan,
    "<=": TestOperator.LessThanOrEqual,
    ">": TestOperator.GreaterThan,
    ">=": TestOperator.GreaterThanOrEqual,
}


class ParseError(ValueError):
    """Query text the grammar rejects.

    `str()` is the report the reference gives (spec §6); `line` and `column` (1-based,
    counting characters) and `reason` ("expected query", ...) are its parts.
    """

    # Defaults let pickle rebuild it from `args`, which hold only the report.
    def __init__(self, report, line=None, column=None, reason=None):
        super().__init__(report)
        self.line = line
        self.column = column
        self.reason = reason


def parse(text, dialect="outpack"):
    """Parse a query; raise ParseError (a ValueError) if it is invalid, TypeError if not a str.

    `dialect="records"` also accepts the bare record lookups `tag`, `reason`, `outcome`,
    `main_file`, `version`, `timestamp`, `label` and `user`, as LookupField nodes.
    `dialect="orderly"` also accepts orderly's `usedby(x, depth)`, `uses(x, depth)`, `{query}`
    and `{name}` (UsedBy, Uses, Subquery and NamedSubquery nodes; orderly.lark), and
    `"records-orderly"` both extensions.
    """
    if not isinstance(text, str):
        raise TypeError(f"A query must be a str, not {type(text).__name__}")
    check_encodable(text)
    try:
        return lark_parser(dialect).parse(text)
    except (LarkError, UnknownOperator, Misuse) as error:
        raise explain_failure(text, dialect, error) from None


def check_encodable(text):
    # The reference refuses lone surrogates before parsing, with the codec's message; ours
    # leaves out the source line, which could not be printed.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        line, column = line_and_column(text, error.start)
        raise ParseError(str(error), line, column, str(error)) from None


def explain_failure(text, dialect, error):
    # pest reports a syntax error anywhere before an unknown operator anywhere.
    syntax_error = replay_reference(text, dialect)
    if syntax_error is not None:
        return syntax_error
    if isinstance(error, UnknownOperator | Misuse):
        return error.to_parse_error(text)
    if dialect in ORDERLY_DIALECTS:
        # The replay of orderly's rules is ours, not a reference's: should it ever accept what
        # lark refuses, report lark's position rather than fail.
        position = getattr(error, "pos_in_stream", None)
        valid = isinstance(position, int) and 0 <= position <= len(text)
        return parse_error(text, position if valid else len(text), "unexpected input")
    raise AssertionError(f"lark rejects a query that the reference accepts: {text!r}") from error


@functools.cache
def lark_parser(dialect):
    if dialect not in DIALECTS:
        raise ValueError(f"Unknown query dialect {dialect!r}; expected one of {DIALECTS}")
    grammar = GRAMMAR.read_text(encoding="utf-8")
    if dialect in RECORDS_DIALECTS:
        grammar += f"\n{RECORDS_LOOKUPS}\n"
    if dialect in ORDERLY_DIALECTS:
        grammar += "\n" + ORDERLY_GRAMMAR.read_text(encoding="utf-8")
    tree = BuildTree(id_fields=("label",) if dialect in RECORDS_DIALECTS else ())
    return Lark(grammar, parser="lalr", lexer="contextual", transformer=tree)


class UnknownOperator(Exception):
    def __init__(self, token):
        super().__init__(token)
        self.token = token

    def to_parse_error(self, text):
        start = self.token.start_pos
        reason = f"Encountered unknown infix operator: {self.token}"
        return parse_error(text, start, reason, end=start + len(self.token))


class Misuse(Exception):
    """A use of orderly's extension that parses but that orderly refuses when it parses it."""

    def __init__(self, token, reason):
        super().__init__(reason)
        self.token = token
        self.reason = reason

    def to_parse_error(self, text):
        start = self.token.start_pos
        return parse_error(text, start, self.reason, end=start + len(self.token))


# orderly's messages (R/query.R, `query_parse_dependency`).
NOT_SINGLE = (
    "{name} must be called on an expression guaranteed to return a single ID. "
    "Try wrapping expression in `latest` or `single`."
)
BAD_DEPTH = (
    "`depth` argument in '{name}()' must be a positive numeric, set to control the number of "
    "layers of parents to recurse through when listing dependencies. "
    "Use `depth = Inf` to search entire dependency tree."
)


def is_single_valued(node, id_fields=()):
    """orderly's test that a query can select at most one packet: `latest(...)`, `single(...)`,
    a test with `id` on either side (whatever its operator), or a subquery of one of those.
    A named subquery is checked when it is evaluated, beside its definition."""
    while isinstance(node, Subquery):
        node = node.inner
    if isinstance(node, Latest | Single | NamedSubquery):
        return True
    if isinstance(node, Test):
        return any(
            isinstance(side, LookupId) or (isinstance(side, LookupField) and side.name in id_fields)
            for side in (node.lhs, node.rhs)
        )
    return False


@v_args(inline=True)
class BuildTree(Transformer):
    """Makes the AST nodes while the LALR parser reduces, so deep nesting costs no recursion.

    `id_fields` are the LookupField names that count as `id` for orderly's single-value rule.
    """

    def __init__(self, id_fields=()):
        super().__init__()
        self.id_fields = id_fields

    def or_(self, lhs, rhs):
        return BooleanExpr(BooleanOperator.Or, lhs, rhs)

    def and_(self, lhs, rhs):
        return BooleanExpr(BooleanOperator.And, lhs, rhs)

    def negation(self, inner):
        return Negation(inner)

    def brackets(self, inner):
        return Brackets(inner)

    def latest(self, inner=None):
        return Latest(inner)

    def single(self, inner):
        return Single(inner)

    def test(self, lhs, operator, rhs):
        if operator not in TEST_OPERATORS:
            raise UnknownOperator(operator)
        return Test(TEST_OPERATORS[operator], lhs, rhs)

    def shortform_id(self, string):
        return Test(TestOperator.Equal, LookupId(), self.string_literal(string))

    def string_literal(self, token):
        return Literal(str(token[1:-1]))

    def boolean_literal(self, token):
        return Literal(token.lower() == "true")

    def number_literal(self, token):
        # The lexer has matched the reference's number grammar, so float() sees nothing
        # it would accept beyond it ("inf", "1_000").
        return Literal(float(token))

    def lookup_id(self):
        return LookupId()

    def lookup_name(self):
        return LookupName()

    def lookup_parameter(self, name):
        return LookupParameter(str(name))

    def lookup_this(self, name):
        return LookupThis(str(name))

    def lookup_environment(self, name):
        return LookupEnvironment(str(name))

    def lookup_field(self, name):
        return LookupField(str(name))

    # -- orderly's extension

    def lineage(self, keyword, start, depth=None):
        if not isinstance(start, Literal) and not is_single_valued(start, self.id_fields):
            raise Misuse(keyword, NOT_SINGLE.format(name=keyword))
        node = UsedBy if keyword == "usedby" else Uses
        return node(start, math.inf if depth is None else self.depth_value(keyword, depth))

    def depth_value(self, keyword, token):
        value = math.inf if token == "Inf" else float(token)
        if not value > 0:
            raise Misuse(token, BAD_DEPTH.format(name=keyword))
        return value

    def depth(self, token):
        return token

    def id_literal(self, string):
        return self.string_literal(string)

    def subquery(self, inner):
        return Subquery(inner)

    def named_subquery(self, token):
        return NamedSubquery(token[1:-1].strip(" \t\r\n"))


# ---- The reference's parser, replayed for its error messages -------------------------------
#
# outpack_server's query.pest as data. A str is a rule; exactly() is matched as written;
# terminal() is one of grammar.lark's terminals, which match exactly what the reference's
# atomic rules of the same meaning match. The order of the rules is pest's enum order, by
# which it sorts the rules it lists in a message.


def seq(*parts):
    return ("seq", parts)


def choice(*parts):
    return ("choice", parts)


def optional(part):
    return ("optional", part)


def repeat(part):
    return ("repeat", part)


def exactly(characters):
    return ("exactly", characters)


def terminal(name):
    return ("terminal", name)


REFERENCE_RULES = {
    "EOI": ("eoi", None),
    "query": seq(("soi", None), "toplevel", "EOI"),
    "toplevel": choice("body", "shortformLatest", "shortformId"),
    "body": seq("expr", repeat(seq("booleanOperator", "expr"))),
    "shortformLatest": exactly("latest"),
    "shortformId": "string",
    "prefix": "negation",
    "negation": exactly("!"),
    "booleanOperator": choice("and", "or"),
    "and": exactly("&&"),
    "or": exactly("||"),
    "expr": seq(
        optional("prefix"),
        choice("brackets", "singleVariableFunc", "noVariableFunc", "infixExpression"),
    ),
    "brackets": seq(exactly("("), "body", exactly(")")),
    "noVariableFunc": seq("noVariableFuncNames", exactly("()")),
    "singleVariableFunc": seq("singleVariableFuncNames", exactly("("), "body", exactly(")")),
    "noVariableFuncNames": "latest",
    "singleVariableFuncNames": choice("latest", "single"),
    "latest": exactly("latest"),
    "single": exactly("single"),
    "infixExpression": seq("testValue", "infixFunction", "testValue"),
    "infixFunction": terminal("INFIX"),
    "testValue": choice("lookup", "literal"),
    "lookup": choice("lookupPacket", "lookupThis", "lookupEnvironment"),
    "lookupPacket": choice("lookupPacketId", "lookupPacketName", "lookupPacketParam"),
    "lookupPacketId": exactly("id"),
    "lookupPacketName": exactly("name"),
    "lookupPacketParam": seq(exactly("parameter:"), "identifier"),
    "lookupThis": seq(exactly("this:"), "identifier"),
    "lookupEnvironment": seq(exactly("environment:"), "identifier"),
    "literal": choice("string", "boolean", "number"),
    "identifier": terminal("IDENTIFIER"),
    "number": terminal("NUMBER"),
    "boolean": terminal("BOOLEAN"),
    "string": terminal("STRING"),
}

# pest's `_{ }` rules: they never appear in messages.
SILENT_RULES = {
    "toplevel",
    "prefix",
    "booleanOperator",
    "expr",
    "noVariableFuncNames",
    "singleVariableFuncNames",
    "testValue",
    "lineageFuncNames",
}

RECORDS_LOOKUP_RULES = {
    "lookup": choice("lookupPacket", "lookupThis", "lookupEnvironment", "lookupField"),
    "lookupField": terminal("FIELD"),
}

# orderly.lark in the same notation, for the messages of the extended dialects: no reference
# to be identical to, but the same kind of message, naming the rules that could come next.
ORDERLY_EXTENSION_RULES = {
    "expr": seq(
        optional("prefix"),
        choice(
            "brackets",
            "lineageFunc",
            "namedSubquery",
            "subquery",
            "singleVariableFunc",
            "noVariableFunc",
            "infixExpression",
        ),
    ),
    "lineageFunc": seq(
        "lineageFuncNames",
        exactly("("),
        choice("body", "string"),
        optional(seq(exactly(","), "depth")),
        exactly(")"),
    ),
    "lineageFuncNames": choice("usedby", "uses"),
    "usedby": exactly("usedby"),
    "uses": exactly("uses"),
    "depth": choice(
        terminal("DEPTH_VALUE"), seq(exactly("depth"), exactly("="), terminal("DEPTH_VALUE"))
    ),
    "namedSubquery": terminal("SUBQUERY_NAME"),
    "subquery": seq(exactly("{"), "body", exactly("}")),
}

DIALECT_RULES = {
    "outpack": REFERENCE_RULES,
    "records": {**REFERENCE_RULES, **RECORDS_LOOKUP_RULES},
    "orderly": {**REFERENCE_RULES, **ORDERLY_EXTENSION_RULES},
    "records-orderly": {**REFERENCE_RULES, **RECORDS_LOOKUP_RULES, **ORDERLY_EXTENSION_RULES},
}

WHITESPACE = re.compile(r"[ \t\r\n]*")

# Python frames the replay needs per level of brackets: 18 at most, measured, plus room.
FRAMES_PER_LEVEL = 24

# Re-entrant, so that code holding a raised limit can still parse.
recursion_limit_lock = threading.RLock()


def replay_reference(query, dialect):
    """Return the ParseError the reference raises for this text, or None if it parses."""
    rules = DIALECT_RULES[dialect]
    replay = PestReplay(query, rules, terminal_patterns(dialect))
    with recursion_limit(FRAMES_PER_LEVEL * query.count("(")):
        if replay.match("query", 0) is not None:
            return None
    return parse_error(query, replay.furthest, replay.expected_message())


@functools.cache
def terminal_patterns(dialect):
    terminals = lark_parser(dialect).terminals
    return {t.name: re.compile(t.pattern.to_regexp()) for t in terminals}


@contextlib.contextmanager
def recursion_limit(extra_frames):
    # The limit is process-wide: the lock stops two replays from restoring each other's.
    with recursion_limit_lock:
        before = sys.getrecursionlimit()
        sys.setrecursionlimit(before + extra_frames)
        try:
            yield
        finally:
            sys.setrecursionlimit(before)


class PestReplay:
    """Runs the reference grammar as pest does, keeping pest's record of failed rules.

    pest remembers the furthest position at which a named rule failed and the rules that
    failed there. When a rule fails, the rules that failed inside it at its own position
    are replaced by the rule itself, unless exactly one of them failed, which is then kept
    instead (pest 2.7, `ParserState::track`).
    """

    def __init__(self, query, rules, patterns):
        self.query = query
        self.rules = rules
        self.patterns = patterns
        self.furthest = 0
        self.expected = []
        self.matchers = {
            "seq": self.match_seq,
            "choice": self.match_choice,
            "optional": self.match_optional,
            "repeat": self.match_repeat,
            "exactly": self.match_exactly,
            "terminal": self.match_terminal,
            "soi": self.match_soi,
            "eoi": self.match_eoi,
        }

    def expected_message(self):
        order = list(self.rules)
        names = sorted(set(self.expected), key=order.index)
        if len(names) <= 2:
            return "expected " + " or ".join(names)
        return "expected " + ", ".join(names[:-1]) + ", or " + names[-1]

    def match(self, part, pos):
        """Return where `part` ends if it matches at `pos`, else None."""
        if isinstance(part, str):
            return self.match_rule(part, pos)
        kind, arg = part
        return self.matchers[kind](arg, pos)

    def match_rule(self, name, pos):
        if name in SILENT_RULES:
            return self.match(self.rules[name], pos)
        mark = len(self.expected) if pos == self.furthest else 0
        end = self.match(self.rules[name], pos)
        if end is None:
            self.record_failure(name, pos, mark)
        return end

    def record_failure(self, name, pos, mark):
        failed_inside = (len(self.expected) if pos == self.furthest else 0) - mark
        if failed_inside == 1:
            return
        if pos > self.furthest:
            self.furthest = pos
            self.expected.clear()
        elif pos == self.furthest:
            del self.expected[mark:]
        else:
            return
        self.expected.append(name)

    def match_seq(self, parts, pos):
        # pest's `~` allows whitespace between the parts of a non-atomic rule.
        for index, part in enumerate(parts):
            if index:
                pos = self.skip_whitespace(pos)
            pos = self.match(part, pos)
            if pos is None:
                return None
        return pos

    def match_choice(self, parts, pos):
        for part in parts:
            end = self.match(part, pos)
            if end is not None:
                return end
        return None

    def match_optional(self, part, pos):
        end = self.match(part, pos)
        return pos if end is None else end

    def match_repeat(self, part, pos):
        end = self.match(part, pos)
        while end is not None:
            pos = end
            end = self.match(part, self.skip_whitespace(pos))
        return pos

    def match_exactly(self, characters, pos):
        return pos + len(characters) if self.query.startswith(characters, pos) else None

    def match_terminal(self, name, pos):
        found = self.patterns[name].match(self.query, pos)
        return None if found is None else found.end()

    def match_soi(self, _, pos):
        return pos if pos == 0 else None

    def match_eoi(self, _, pos):
        return pos if pos == len(self.query) else None

    def skip_whitespace(self, pos):
        return WHITESPACE.match(self.query, pos).end()


# ---- pest's error report --------------------------------------------------------------------


def parse_error(query, start, reason, end=None):
    """Lay out an error as pest 2.7 does: a position, the source line and a marker.

    `end` marks a span (`^^`); without it pest marks a point (`^---`).
    """
    line, column = line_and_column(query, start)
    source = source_line(query, start)
    indent = "".join(c if c == "\t" else " " for c in source[: column - 1])
    if end is None:
        marker = "^---"
    else:
        marker = "^" if end - start == 1 else "^" + "-" * (end - start - 2) + "^"
    gutter = " " * len(str(line))
    report = (
        f"{gutter}--> {line}:{column}\n"
        f"{gutter} |\n"
        f"{line} | {source}\n"
        f"{gutter} | {indent}{marker}\n"
        f"{gutter} |\n"
        f"{gutter} = {reason}"
    )
    return ParseError(report, line, column, reason)


def line_and_column(query, pos):
    # pest ends a line at "\n" and at "\r\n", but counts a lone "\r" as a column.
    before = query[:pos]
    return before.count("\n") + 1, pos - before.rfind("\n")


def source_line(query, pos):
    start = query.rfind("\n", 0, pos) + 1
    newline = query.find("\n", pos)
    line = query[start : len(query) if newline < 0 else newline + 1]
    if query[pos : pos + 1] in ("\r", "\n"):
        return line.replace("\r", "\u240d").replace("\n", "\u240a")
    return line.replace("\r", "").replace("\n", "")
