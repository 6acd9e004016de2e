"""Search terms marked in what a page shows: the text is escaped piece by piece and only the found words are
wrapped in <mark>, so a mark never lands inside markup and nothing the text holds becomes markup."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def highlighted(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """`text` escaped, with each (start, end) span of it (board.search.term_spans) in <mark>."""
    pieces, done = [], 0
    for start, end in spans:
        pieces += [escape(text[done:start]), "<mark>", escape(text[start:end]), "</mark>"]
        done = end
    pieces.append(escape(text[done:]))
    return mark_safe("".join(pieces))  # every piece of the text was escaped above
