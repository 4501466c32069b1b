"""Pages of a queryset with Django's Paginator: only the rows shown are ever read.

A count is one indexed aggregate even for 100,000 records; deep pages cost an OFFSET scan, which
people rarely reach since the table sorts and searches on the server.
"""

from django.core.paginator import Paginator

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50


def page_size(text) -> int:
    try:
        size = int(text)
    except (TypeError, ValueError):
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def page_of(request, rows):
    """The page `?page=` of `rows` (the last page when past the end, the first when junk)."""
    return Paginator(rows, page_size(request.GET.get("per_page"))).get_page(request.GET.get("page"))
