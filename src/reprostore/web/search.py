"""The search boxes: what was typed in; the rows it selects and what to tell the person out.

The text is read by query/shorthand.py: the query language as it is, or shorthand (`seed=3`,
`#baseline`) rewritten into it, plus words to look for in each row's text, since the language
has no substring test. A record's words are looked for in its label, reason and outcome and among
its tags, a packet's in its name and id; case is ignored, and every word must be found.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from reprostore.packets import search as packets_search
from reprostore.packets.search import select_packets
from reprostore.query.evaluate import MAX_QUERY_LENGTH
from reprostore.query.limits import QueryTimeout, selected
from reprostore.query.shorthand import SearchProblem, Understood, understand
from reprostore.records import search as records_search
from reprostore.records.models import RecordTag
from reprostore.records.search import select_records

RECORD_TEXT = ("label", "reason", "outcome")
RECORD_WORDS_IN = "records whose label, reason, outcome or a tag contains"
PACKET_TEXT = ("name", "id")
PACKET_WORDS_IN = "packets whose name or id contains"


@dataclass
class Search:
    """One search: `understood` is what ran; `problem` text that could not be read (with its
    place and a likely fix); `error` a query that was read but could not be answered (a failed
    `single`, the time limit)."""

    text: str
    words_in: str = ""  # where words are looked for, for the page to say
    understood: Understood | None = None
    problem: SearchProblem | None = None
    error: str | None = None

    @property
    def rewritten(self) -> bool:
        return self.understood is not None and self.understood.rewritten

    @property
    def message(self) -> str | None:
        """What went wrong, as plain text, or None."""
        return self.problem.report() if self.problem is not None else self.error


def run_search(rows, text: str, dialect: str, select, containing, words_in: str):
    """(the rows of `rows` that `text` selects, the Search); no rows when it fails.

    `select(universe, query)` runs a query-language query; `containing(word)` is the condition
    that a row's text holds the word, and `words_in` says where that looks.
    """
    search = Search(text, words_in)
    if not text:
        return rows, search
    try:
        # Text too long to be real goes straight to the query, which refuses it with the limit.
        search.understood = (
            Understood(text, text) if len(text) > MAX_QUERY_LENGTH else understand(text, dialect)
        )
    except SearchProblem as problem:
        search.problem = problem
        return rows.none(), search
    understood = search.understood

    def choose(universe):
        chosen = select(universe, understood.query) if understood.query else universe
        for word in understood.words:
            chosen = chosen.filter(containing(word))
        return chosen

    try:
        return selected(rows, choose), search
    except (ValueError, QueryTimeout) as error:
        search.error = str(error)
        return rows.none(), search


def record_containing(word: str) -> Q:
    text = Q()
    for field in RECORD_TEXT:
        text |= Q(**{f"{field}__icontains": word})
    tags = RecordTag.objects.filter(record=OuterRef("pk"), name__icontains=word)
    return text | Q(Exists(tags))


def packet_containing(word: str) -> Q:
    text = Q()
    for field in PACKET_TEXT:
        text |= Q(**{f"{field}__icontains": word})
    return text


def find_records(records, text: str):
    """(records `text` selects, the Search)."""
    return run_search(
        records, text, records_search.DIALECT, select_records, record_containing, RECORD_WORDS_IN
    )


def find_packets(packets, text: str):
    """(packets `text` selects, the Search)."""
    return run_search(
        packets, text, packets_search.DIALECT, select_packets, packet_containing, PACKET_WORDS_IN
    )


def search_records(records, text: str):
    """(records `text` selects, None), or (no records, what went wrong as plain text)."""
    records, search = find_records(records, text)
    return records, search.message


def search_packets(packets, text: str):
    """(packets `text` selects, None), or (no packets, what went wrong as plain text)."""
    packets, search = find_packets(packets, text)
    return packets, search.message
