"""Pages of a queryset with LIMIT/OFFSET: only the rows shown are ever read.

A count is one indexed aggregate even for 100,000 records; deep pages cost an OFFSET scan, which
people rarely reach since the table sorts and searches on the server.
"""

from dataclasses import dataclass

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50


@dataclass
class Page:
    items: list
    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        """The number of pages (at least one, so that an empty table still has page 1)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def positive_int(text, default: int) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def page_size(text) -> int:
    size = positive_int(text, DEFAULT_PAGE_SIZE)
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def page_of(queryset, number_text, size: int) -> Page:
    """Page `number_text` of `queryset` (the last page when past the end, the first when junk)."""
    total = queryset.count()
    number = positive_int(number_text, 1)
    number = min(number, max(1, -(-total // size)))
    start = (number - 1) * size
    return Page(list(queryset[start : start + size]), number, size, total)
