"""Pages of a message list that never count the whole list.

Django's Paginator runs COUNT(*) over everything the list matches on every request: over a million public
messages that is a scan of the table, whatever page is asked for. This paginator counts at most `cap` rows
(COUNT over a LIMIT cap+1 subquery, which the list's own index serves and stops early), shows an exact total
below the cap and "more than cap" above it, and offers the pages within the cap. A reader narrows a long list
with its filters; a program reads everything through the export or the open data.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# How many rows a list counts before it says "more than": 50 pages of 20, a few milliseconds of index.
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `cap`; `more` tells whether the list goes on past it."""

    def __init__(self, object_list, per_page, cap: int | None = None, *, count_unordered=False, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap or COUNT_CAP
        # A list whose order no index serves (the staff queues: deadlines across several states) is counted
        # without it, so the count stops at the cap instead of sorting every row first.
        self.count_unordered = count_unordered

    @cached_property
    def counted(self) -> int:
        """Rows counted up to one past the cap (one past, to know whether there are more)."""
        rows = self.object_list.order_by() if self.count_unordered else self.object_list
        # Without the joins of select_related: a row's related rows change no count, and PostgreSQL would
        # join every counted row to each of them.
        return rows.select_related(None)[: self.cap + 1].count()

    @property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def more(self) -> bool:
        return self.counted > self.cap

    @property
    def count_label(self) -> str:
        """The total as a page shows it, in Chinese: exact, or "more than" at the cap."""
        return f"超过 {self.cap} 条" if self.more else f"共 {self.count} 条"


def capped_count(rows, cap: int | None = None) -> str:
    """How many rows `rows` holds, as a badge shows it: exact up to `cap`, else "1000+" (counted over a
    LIMIT cap+1 subquery, so a national queue costs what a small one does)."""
    cap = cap or COUNT_CAP
    # In any order (the count stops at the cap, unsorted) and without select_related's joins.
    counted = rows.order_by().select_related(None)[: cap + 1].count()
    return f"{cap}+" if counted > cap else str(counted)


def capped_slice(messages, *, page: int, page_size: int, cap: int | None = None) -> tuple[int, bool, list]:
    """The API's page: the capped count, whether there are more, and the rows of `page` (none past the
    cap)."""
    paginator = CappedPaginator(messages, page_size, cap=cap)
    start, cap = (page - 1) * page_size, paginator.cap
    rows = list(messages[start : min(start + page_size, cap)]) if start < cap else []
    return paginator.count, paginator.more, rows
