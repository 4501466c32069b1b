"""The search box: query-language text in, a narrowed queryset (or a message) out.

Evaluation lives in the query app. It is imported when a search is made, so that pages keep
working, and say so, on a server whose query evaluation is not there.
"""

UNAVAILABLE = "Search is not available yet on this server."


def search_records(records, text: str):
    """(records matching `text`, None) or (records unchanged, a message for the person)."""
    if not text:
        return records, None
    try:
        from reprostore.query.records import select_records
    except ImportError:
        return records, UNAVAILABLE
    try:
        return select_records(records, text), None
    except ValueError as error:
        return records.none(), str(error)


def search_packets(packets, text: str):
    """(packets matching `text`, None) or (packets unchanged, a message for the person)."""
    if not text:
        return packets, None
    try:
        from reprostore.query.packets import select_packets
    except ImportError:
        return packets, UNAVAILABLE
    try:
        return select_packets(packets, text), None
    except ValueError as error:
        return packets.none(), str(error)
