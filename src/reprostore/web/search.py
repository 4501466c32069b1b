"""The search box: query-language text in, a narrowed queryset (or a message) out."""

from reprostore.packets.search import select_packets
from reprostore.query.limits import QueryTimeout, selected
from reprostore.records.search import select_records


def narrowed(rows, text: str, select):
    """(rows matching `text`, None), or (no rows, the query's error message for the person)."""
    if not text:
        return rows, None
    try:
        return selected(rows, lambda universe: select(universe, text)), None
    except (ValueError, QueryTimeout) as error:
        return rows.none(), str(error)


def search_records(records, text: str):
    return narrowed(records, text, select_records)


def search_packets(packets, text: str):
    return narrowed(packets, text, select_packets)
