"""Forgiving search: the shorthand people type into a search box, rewritten into the query
language. Text in, text out; nothing here touches a database.

Text that parses as it is is always run as it is. Text that doesn't is read as shorthand:

- `seed=3`, `seed:3`, `seed == 3`: `parameter:seed == 3`; any name that is not one of the
  dialect's lookups is a parameter (`duration>10` is `parameter:duration > 10`).
- `n>100`, `n>=1e3`, `tau=<20`, `n<>4`: `parameter:n > 100`, `parameter:n >= 1e3`,
  `parameter:tau <= 20`, `parameter:n != 4`.
- `model=lif`: `parameter:model == "lif"`; a bare value is a string, while numbers (`.5` too)
  and true/false keep their type.
- `outcome=ok`, `name=x`, `id:x`, `this:x=1`: `outcome == "ok"`, `name == "x"`, `id == "x"`,
  `this:x == 1`; the dialect's own lookups stay.
- `tag:foo`, `#foo`, `tag:"a b"`: `tag == "foo"`, `tag == "a b"` (records; the packets' dialect
  has no `tag`, so there it is a parameter and `#foo` is a word).
- `a b`, `a and b`, `a & b`: `a && b`; `or` and `|` are `||`, `not` is `!`; `&&` binds tighter
  than `||`, as in the language.
- `stable`, `"higher rate"`: a *word*, text to look for rather than a test (below).

The query language has no substring test, so a bare word, or a quoted phrase among other terms,
is handed back in `Understood.words` for the search to look for in each row's text (web/search.py:
a record's label, reason, outcome and tags; a packet's name and id). Words are and-ed with the
rest, so they stand beside it at the top level only, never inside `||`, brackets or after `!`.

Text neither way can read raises `SearchProblem`: where (a 0-based position, and the line and
column the parser's errors use), what is wrong in plain words, and where a likely fix exists
(a closing quote or bracket, a stray `&&` or `)` dropped), the whole search with it applied.
"""

import functools
import re
from dataclasses import dataclass

from reprostore.query.ast import Literal, Test
from reprostore.query.parse import ParseError, line_and_column, parse, source_line

# A word may hold an apostrophe between letters (`it's`), never a quote that starts a string.
TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<string>"[^"]*"|'[^']*')
      | (?P<unclosed>["'])
      | (?P<connective>&&|\|\||&|\|)
      | (?P<operator>==|!=|<>|<=|>=|=<|=>|=|<|>)
      | (?P<negation>!)
      | (?P<open>\()
      | (?P<close>\))
      | (?P<word>[^\s"'()&|=!<>](?:[^\s"'()&|=!<>]|(?<=[^\W_])'(?=[^\W\d_]))*)""",
    re.VERBOSE,
)
OPERATORS = {
    "=": "==", "==": "==", "!=": "!=", "<>": "!=",
    "<": "<", "<=": "<=", "=<": "<=", ">": ">", ">=": ">=", "=>": ">=",
}  # fmt: skip
CONNECTIVES = {"&&": "&&", "&": "&&", "and": "&&", "||": "||", "|": "||", "or": "||"}
NEGATIONS = {"!", "not"}
LOOKUP_PREFIXES = ("parameter:", "this:", "environment:")
# grammar.lark's NUMBER, and the same with the leading zero left out (`.5`).
NUMBER = re.compile(r"[+-]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][+-]?[0-9]+)?")
NUMBER_WITHOUT_ZERO = re.compile(r"([+-]?)(\.[0-9]+([eE][+-]?[0-9]+)?)")
BOOLEANS = {"true": "true", "false": "false"}
PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FUNCTION_NAME = re.compile(r"[A-Za-z_]+")
# Bracket levels and characters read as shorthand: past these, text is machine-made, and gets the
# parser's own error, so that no search costs more than the query language's own parse.
MAX_DEPTH = 50
MAX_LENGTH = 2_000
# How many fixes in a row are tried to find a suggestion (`(a && "b` needs two).
MAX_FIXES = 5


@dataclass(frozen=True)
class Understood:
    """What a search means: `query` in the query language ("" when there are only words) and
    `words` to look for in each row's text."""

    text: str
    query: str
    words: tuple[str, ...] = ()

    @property
    def rewritten(self) -> bool:
        return self.query != self.text or bool(self.words)

    def as_text(self) -> str | None:
        """The search written out again, to be typed or linked: the query, then the words; None
        if a word can't be written so that it reads back (a backslash and a colon, say)."""
        try:
            words = [word if is_plain_word(word) else quoted(word) for word in self.words]
        except Unreadable:
            return None
        return " ".join(filter(None, [self.query, *words]))


class SearchProblem(ValueError):
    """Search text that neither the query language nor the shorthand can read.

    `position` is 0-based; `line` and `column` are 1-based and count characters, as
    ParseError's do; `source` is the line holding the problem; `suggestion` is the whole search
    with a likely fix applied, or None.
    """

    def __init__(self, text: str, position: int, message: str, suggestion: str | None = None):
        self.text = text
        self.position = position
        self.message = message
        self.suggestion = suggestion
        self.line, self.column = line_and_column(text, position)
        self.source = source_line(text, position)
        super().__init__(self.report())

    @property
    def caret_indent(self) -> str:
        return "".join(c if c == "\t" else " " for c in self.source[: self.column - 1])

    def report(self) -> str:
        """The problem as plain text: the line, a caret under the place, what is wrong."""
        lines = [self.source, f"{self.caret_indent}^", f"Column {self.column}: {self.message}"]
        if self.line > 1:
            lines[-1] = f"Line {self.line}, column {self.column}: {self.message}"
        if self.suggestion is not None:
            lines.append(f"Did you mean: {self.suggestion}")
        return "\n".join(lines)


def understand(text: str, dialect: str = "outpack") -> Understood:
    """What the search `text` means in `dialect` ("outpack" or "records"), or SearchProblem.

    Valid query-language text is returned as it is, never rewritten.
    """
    try:
        parse(text, dialect)
        return Understood(text, text)
    except ParseError as error:
        refusal = error
    if len(text) > MAX_LENGTH or text.count("(") > MAX_DEPTH:
        note = f" (shorthand is read in searches of up to {MAX_LENGTH:,} characters and "
        raise parser_problem(text, refusal, note + f"{MAX_DEPTH} brackets)")
    try:
        understood = Rewriter(text, dialect).rewrite()
    except Unreadable as problem:
        raise SearchProblem(
            text, problem.position, problem.message, suggest(problem.fix, dialect)
        ) from None
    if understood.query and not parses(understood.query, dialect):
        raise parser_problem(text, refusal)
    return understood


def parser_problem(text: str, error: ParseError, note: str = "") -> SearchProblem:
    """The parser's own complaint, for text the shorthand reads but the language still can't
    (an unknown function, say), or does not read."""
    position = position_of(text, error.line or 1, error.column or 1)
    message = f"The query language can't read this: {error.reason}{note}"
    return SearchProblem(text, position, message)


def position_of(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


def parses(query: str, dialect: str) -> bool:
    try:
        parse(query, dialect)
    except ParseError:
        return False
    return True


def suggest(fixed: str | None, dialect: str) -> str | None:
    """The search `fixed` as it would run, applying further fixes while each leads to another;
    None when there is no fix or it leads nowhere."""
    for _ in range(MAX_FIXES):
        if fixed is None:
            return None
        if parses(fixed, dialect):
            return fixed
        try:
            understood = Rewriter(fixed, dialect).rewrite()
        except Unreadable as problem:
            fixed = problem.fix
            continue
        return understood.as_text() if parses(understood.query or "latest", dialect) else None
    return None


# ---- Reading the shorthand ------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Term:
    """Part of the query: `kind` is "test", "group", "call" or "negation"."""

    text: str
    kind: str


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


class Unreadable(Exception):
    """Why the shorthand can't be read, where (0-based), and the text with a likely fix."""

    def __init__(self, message: str, position: int, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        self.fix = fix


def tokens(text: str) -> list[Token]:
    found = (Token(match.lastgroup, match.group(), match.start()) for match in TOKEN.finditer(text))
    return [token for token in found if token.kind != "space"]


def connective(token: Token | None) -> str | None:
    """ "&&", "||" or "!" for a token that joins or negates conditions, else None."""
    if token is None or token.kind not in ("connective", "negation", "word"):
        return None
    text = token.text.lower() if token.kind == "word" else token.text
    if text in NEGATIONS:
        return "!"
    return CONNECTIVES.get(text)


def quoted(text: str, position: int = 0) -> str:
    """`text` as a string literal: the language's strings have no escapes."""
    if "\\" in text:
        raise Unreadable(f"A string can't hold a backslash (\\) here: {text!r}", position)
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    raise Unreadable(f"A string can't hold both kinds of quote: {text!r}", position)


def number_or_boolean(text: str) -> str | None:
    """`text` as the language's number or boolean literal, or None."""
    if NUMBER.fullmatch(text):
        return text
    if found := NUMBER_WITHOUT_ZERO.fullmatch(text):
        return f"{found.group(1)}0{found.group(2)}"
    return BOOLEANS.get(text.lower())


def is_plain_word(text: str) -> bool:
    """Whether `text` written bare reads back as this word: no `key:value`, `#tag` or `and`."""
    found = tokens(text)
    if len(found) != 1 or found[0].kind != "word" or connective(found[0]) is not None:
        return False
    return ":" not in text and not text.startswith("#")


@functools.lru_cache(maxsize=1024)
def is_lookup(word: str, dialect: str) -> bool:
    """Whether `word` is a lookup of the dialect as it stands (`id`, `tag`, `parameter:x`)."""
    if number_or_boolean(word) is not None:
        return False
    try:
        tree = parse(f"{word} == 0", dialect)
    except ParseError:
        return False
    return isinstance(tree, Test) and not isinstance(tree.lhs, Literal)


def without(text: str, token: Token) -> str:
    return (text[: token.start] + text[token.end :]).strip()


class Rewriter:
    """A recursive descent over the tokens: a body is conjunctions joined by `||`, a
    conjunction is conditions joined by `&&` or by nothing but space."""

    def __init__(self, text: str, dialect: str):
        self.text = text
        self.dialect = dialect
        self.tokens = tokens(text)
        self.at = 0

    def rewrite(self) -> Understood:
        conjunctions = self.body()
        extra = self.peek()
        if extra is not None:  # a body stops early only at a `)`
            raise Unreadable("This `)` closes no `(`.", extra.start, without(self.text, extra))
        query, words = self.joined(conjunctions, top=True)
        return Understood(self.text, query, tuple(words))

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> Token:
        self.at += 1
        return self.tokens[self.at - 1]

    def body(self) -> list[list]:
        conjunctions = [self.conjunction(after=None)]
        while connective(self.peek()) == "||":
            conjunctions.append(self.conjunction(after=self.take()))
        return conjunctions

    def conjunction(self, after: Token | None) -> list:
        parts = [self.unary(after)]
        while (token := self.peek()) is not None and token.kind != "close":
            if connective(token) == "||":
                break
            parts.append(self.unary(self.take() if connective(token) == "&&" else None))
        return parts

    def unary(self, after: Token | None):
        token = self.peek()
        if token is None or token.kind == "close" or connective(token) in ("&&", "||"):
            raise self.missing_condition(after, token)
        if connective(token) != "!":
            return self.primary()
        self.take()
        following = self.peek()
        if following is None or following.kind == "close" or connective(following) in ("&&", "||"):
            raise self.missing_condition(token, following)
        if connective(following) == "!":
            raise Unreadable(
                "Only one `!` may stand before a condition.",
                following.start,
                without(self.text, following),
            )
        part = self.primary()
        if isinstance(part, Word):
            raise self.word_out_of_place(part)
        return Term(f"!({part.text})" if part.kind == "test" else f"!{part.text}", "negation")

    def missing_condition(self, after: Token | None, token: Token | None) -> Unreadable:
        if after is not None:
            position = len(self.text) if token is None else token.start
            return Unreadable(
                f"Expected a condition after `{after.text}`.", position, without(self.text, after)
            )
        if token is not None and token.kind != "close":
            return Unreadable(
                f"Expected a condition before `{token.text}`.",
                token.start,
                without(self.text, token),
            )
        position = len(self.text) if token is None else token.start
        return Unreadable("Expected a condition, as in `seed=3`.", position)

    def primary(self):
        token = self.take()
        if token.kind == "open":
            return Term(f"({self.bracketed(token)})", "group")
        if token.kind == "close":
            raise Unreadable("This `)` closes no `(`.", token.start, without(self.text, token))
        if token.kind == "unclosed":
            raise self.unclosed(token)
        if token.kind == "operator":
            raise Unreadable(
                f"Expected a name before `{token.text}`, as in `seed {OPERATORS[token.text]} 3`.",
                token.start,
            )
        following = self.peek()
        if following is not None and following.kind == "operator":
            return Term(self.comparison(token), "test")
        if token.kind == "string":
            return Word(self.string(token)[1:-1], token.start, token.end)
        if (
            following is not None
            and following.kind == "open"
            and following.start == token.end
            and FUNCTION_NAME.fullmatch(token.text)
        ):
            self.take()
            return Term(self.call(token, following), "call")
        return self.word(token)

    def unclosed(self, token: Token) -> Unreadable:
        return Unreadable(
            f"This quote ({token.text}) is never closed.", token.start, self.text + token.text
        )

    def bracketed(self, opening: Token) -> str:
        """The query between `opening` and its `)`."""
        conjunctions = self.body()
        closing = self.peek()
        if closing is None:
            raise Unreadable("This `(` is never closed.", opening.start, self.text + ")")
        self.take()
        query, _ = self.joined(conjunctions, top=False)
        return query

    def call(self, name: Token, opening: Token) -> str:
        following = self.peek()
        if following is not None and following.kind == "close":
            self.take()
            return f"{name.text}()"
        return f"{name.text}({self.bracketed(opening)})"

    def comparison(self, left: Token) -> str:
        operator = self.take()
        right = self.peek()
        if right is not None and right.kind == "unclosed":
            raise self.unclosed(right)
        if right is not None and right.kind == "operator":
            raise Unreadable(
                f"Expected a value after `{operator.text}`, not another `{right.text}`.",
                right.start,
                without(self.text, right),
            )
        if right is None or right.kind not in ("word", "string") or connective(right):
            position = len(self.text) if right is None else right.start
            example = f"seed {OPERATORS[operator.text]} 3"
            raise Unreadable(
                f"Expected a value after `{operator.text}`, as in `{example}`.", position
            )
        self.take()
        return self.test(left, OPERATORS[operator.text], right)

    def test(self, left: Token, operator: str, right: Token) -> str:
        literal = self.literal(left)
        if literal is None:
            return f"{self.lookup(left.text, left.start)} {operator} {self.value(right)}"
        other = self.literal(right)
        if other is None:
            other = self.lookup(right.text, right.start)
        return f"{literal} {operator} {other}"

    def string(self, token: Token) -> str:
        if "\\" in token.text:
            raise Unreadable(
                f"A string can't hold a backslash (\\) here: {token.text}", token.start
            )
        return token.text

    def literal(self, token: Token) -> str | None:
        if token.kind == "string":
            return self.string(token)
        return number_or_boolean(token.text)

    def value(self, token: Token) -> str:
        """The right-hand side of a test: a literal, an explicit lookup, else a string."""
        literal = self.literal(token)
        if literal is not None:
            return literal
        if token.text.startswith(LOOKUP_PREFIXES) and is_lookup(token.text, self.dialect):
            return token.text
        return quoted(token.text, token.start)

    def lookup_or_none(self, name: str) -> str | None:
        if is_lookup(name, self.dialect):
            return name
        if PARAMETER_NAME.fullmatch(name):
            return f"parameter:{name}"
        return None

    def lookup(self, name: str, position: int) -> str:
        found = self.lookup_or_none(name)
        if found is None:
            raise Unreadable(
                f"`{name}` can't be a parameter name: the query language's names are letters, "
                "digits and `_`, starting with a letter or `_`.",
                position,
            )
        return found

    def word(self, token: Token):
        """A word standing alone: `#tag`, `key:value`, or text to look for."""
        text = token.text
        if text.startswith("#") and len(text) > 1 and is_lookup("tag", self.dialect):
            return Term(f"tag == {quoted(text[1:], token.start)}", "test")
        key, separator, value = split_key(text)
        if key.startswith(LOOKUP_PREFIXES) and not separator:
            raise Unreadable(f"`{key}` needs a comparison, as in `{key} == 3`.", token.end)
        lookup = self.lookup_or_none(key) if separator else None
        if lookup is None:
            return Word(text, token.start, token.end)
        if value:
            literal = number_or_boolean(value)
            return Term(f"{lookup} == {literal or quoted(value, token.start)}", "test")
        following = self.peek()
        if following is not None and following.kind == "string" and following.start == token.end:
            self.take()
            return Term(f"{lookup} == {self.string(following)}", "test")
        if following is not None and following.kind == "unclosed":
            raise self.unclosed(following)
        raise Unreadable(f"Expected a value after `{text}`, as in `{text}3`.", token.end)

    def word_out_of_place(self, word: Word) -> Unreadable:
        field = "tag" if is_lookup("tag", self.dialect) else "name"
        instead = f"{field} == {quoted(word.text, word.start)}"
        return Unreadable(
            f"`{word.text}` on its own is text to look for, which can only be joined to the rest "
            "by spaces, not inside `||`, brackets or after `!`. To test a field instead, write "
            f"it out, as in `{instead}`.",
            word.start,
            self.text[: word.start] + instead + self.text[word.end :],
        )

    def joined(self, conjunctions: list[list], top: bool) -> tuple[str, list[str]]:
        """The query of a body, and its words: only allowed at the top, with no `||`."""
        words, alternatives = [], []
        for conjunction in conjunctions:
            parts = []
            for part in conjunction:
                if isinstance(part, Word):
                    if not top or len(conjunctions) > 1:
                        raise self.word_out_of_place(part)
                    words.append(part.text)
                else:
                    parts.append(part.text)
            alternatives.append(" && ".join(parts))
        return " || ".join(alternatives), words


def split_key(word: str) -> tuple[str, str, str]:
    """`seed:3` as ("seed", ":", "3"), keeping a lookup's own prefix: `parameter:seed:3` as
    ("parameter:seed", ":", "3")."""
    for prefix in LOOKUP_PREFIXES:
        if word.startswith(prefix):
            name, separator, value = word[len(prefix) :].partition(":")
            return prefix + name, separator, value
    return word.partition(":")
