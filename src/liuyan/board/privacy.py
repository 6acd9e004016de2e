"""Masking personal data in what the public sees, and the name the public sees for an author.

Citizens' texts (a message's title and body, follow-ups, rating comments) have every personal number and
address masked: mobile and landline numbers, resident ID numbers (18 digits, and the old 15), bank cards
and e-mail addresses. Replies are written by units, whose office landlines, hotlines and e-mail addresses
are meant to be public: `mask_reply` keeps those and masks only what belongs to a person — mobile numbers,
ID numbers and bank cards (typically the citizen's own, quoted back).

A number is found however it is typed: full-width or other compatibility digits (NFKC), grouped or spaced
by spaces, hyphens, dots or brackets, full-width and zero-width ones included. Only the number is
touched, and only its hidden digits: they become *, while its other digits and separators, and the text
around it, stay exactly as written.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

ANONYMOUS_AUTHOR = "网友"


class _Kind(Enum):
    MOBILE = "mobile"
    ID_NUMBER = "id_number"
    BANK_CARD = "bank_card"
    LANDLINE = "landline"


CITIZEN_KINDS = frozenset(_Kind)
# What is masked in a unit's reply: a person's numbers, never an office's landline or e-mail address.
REPLY_KINDS = frozenset({_Kind.MOBILE, _Kind.ID_NUMBER, _Kind.BANK_CARD})
# When two readings of the digits compete, the first kind here wins (a mobile number next to a date is
# a mobile number, not the tail of a 19-digit "card").
_PRIORITY = (_Kind.MOBILE, _Kind.ID_NUMBER, _Kind.BANK_CARD, _Kind.LANDLINE)


def _fold_table() -> dict[int, str]:
    """Characters that stand for an ASCII digit, letter or separator, each mapped to that one character,
    so that a position in the folded text is the same position in the original."""
    table = {}
    blocks = [(0x00A0, 0x0100), (0x2000, 0x2100), (0x2460, 0x2500), (0x3000, 0x3040), (0xFE50, 0xFE70)]
    blocks += [(0xFF00, 0xFFF0), (0x1D7CE, 0x1D800)]  # full-width forms; mathematical digits
    for start, end in blocks:
        for code in range(start, end):
            folded = unicodedata.normalize("NFKC", chr(code))
            if len(folded) == 1 and folded.isascii() and folded != chr(code):
                table[code] = folded
    # Dashes, dots and invisible characters NFKC leaves alone, all seen between the digits of a number.
    table |= {ord(c): "-" for c in "\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\ufe58\ufe63"}
    table |= {ord(c): "." for c in "\u00b7\u2027\u30fb"}
    table |= {ord(c): " " for c in "\u200b\u200c\u200d\u2060\ufeff"}
    return table


_FOLD = _fold_table()
_FOLDABLE = re.compile("[" + re.escape("".join(map(chr, _FOLD))) + "]")
# Between two digits of one number: one or two spaces, or a hyphen, dot, slash or bracket with at most a
# space on either side.
_SEPARATOR = r"(?: ?[-./()] ?| {1,2})"
_SHORTEST, _LONGEST = 10, 19  # digits of the shortest (landline) and longest (bank card) number masked
# Digits written together, with separators, at least as many as the shortest number has; an ID number
# may end in X.
_RUN = re.compile(rf"[0-9](?:{_SEPARATOR}?[0-9]){{{_SHORTEST - 1},}}(?:[Xx](?![A-Za-z0-9]))?")
_GROUP = re.compile(r"[0-9]+[Xx]?")
_DIGITS = frozenset("0123456789Xx")
# Starting only where a run of local-part characters starts keeps a long run without @ linear.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)


@dataclass(frozen=True)
class _Group:
    """Digits written together, between separators; positions in the text."""

    start: int
    end: int
    digits: str


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def _is_birth_date(yymmdd: str) -> bool:
    return 1 <= int(yymmdd[2:4]) <= 12 and 1 <= int(yymmdd[4:6]) <= 31


@dataclass(frozen=True)
class _Reading:
    """What a number is, and how many of its digits stay visible at its start and at its end."""

    kind: _Kind
    head: int
    tail: int


def _reading(digits: str) -> _Reading | None:
    """What the digits are; None when they are nothing personal."""
    if digits[-1] in "Xx":
        return _Reading(_Kind.ID_NUMBER, 6, 4) if len(digits) == 18 else None
    for prefix in ("", "86", "0086"):  # with or without the country code
        if digits.startswith(prefix) and _is_mobile(digits[len(prefix) :]):
            return _Reading(_Kind.MOBILE, len(prefix) + 3, 4)
    if len(digits) == 18:  # the birth date and the sequence hidden
        return _Reading(_Kind.ID_NUMBER, 6, 4)
    if len(digits) == 15 and _is_birth_date(digits[6:12]):  # the first-generation ID number
        return _Reading(_Kind.ID_NUMBER, 6, 3)
    if 16 <= len(digits) <= 19:
        return _Reading(_Kind.BANK_CARD, 4, 4)
    if 10 <= len(digits) <= 12 and digits[0] == "0" and digits[1] != "0":
        return _Reading(_Kind.LANDLINE, 3 if digits[1] in "12" else 4, 4)  # 010 and 02x: three digits
    return None


def _card_shaped(groups: list[_Group]) -> bool:
    """Written as cards are: in one piece, digit by digit, or in fours."""
    sizes = [len(g.digits) for g in groups]
    return len(sizes) == 1 or set(sizes) == {1} or set(sizes[:-1]) == {4}


def _numbers(groups: list[_Group]) -> list[tuple[_Reading, int, int]]:
    """The personal numbers among consecutive digit groups: (reading, start, end). The groups taken as one
    number when they read as one; otherwise runs of whole groups within them, by _PRIORITY and then from
    the left, none overlapping another."""

    def reading(i: int, j: int, digits: str) -> _Reading | None:
        if not _SHORTEST <= len(digits) <= _LONGEST or (found := _reading(digits)) is None:
            return None
        return None if found.kind == _Kind.BANK_CARD and not _card_shaped(groups[i : j + 1]) else found

    last = len(groups) - 1
    if whole := reading(0, last, "".join(g.digits for g in groups)):
        return [(whole, groups[0].start, groups[last].end)]
    candidates = []
    for i in range(len(groups)):
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j].digits
            if len(digits) > _LONGEST:
                break
            if found := reading(i, j, digits):
                candidates.append((_PRIORITY.index(found.kind), i, j, found))
    taken = [False] * len(groups)
    numbers = []
    for _rank, i, j, found in sorted(candidates, key=lambda c: c[:3]):
        if not any(taken[i : j + 1]):
            taken[i : j + 1] = [True] * (j + 1 - i)
            numbers.append((found, groups[i].start, groups[j].end))
    return numbers


def _hidden(written: str, folded: str, reading: _Reading) -> str:
    """The number as written, its hidden digits turned into *; separators stay."""
    if _GROUP.fullmatch(folded):  # no separators: the usual case, sliced
        hidden = len(written) - reading.head - reading.tail
        return written[: reading.head] + "*" * hidden + written[len(written) - reading.tail :]
    digits = sum(c in _DIGITS for c in folded)
    out, seen = [], 0
    for original, char in zip(written, folded, strict=True):
        if char in _DIGITS:
            out.append(original if seen < reading.head or seen >= digits - reading.tail else "*")
            seen += 1
        else:
            out.append(original)
    return "".join(out)


def _found(text: str, kinds: frozenset[_Kind]) -> tuple[str, list[re.Match], list[tuple[_Reading, int, int]]]:
    """The text folded (positions as in `text`), its e-mail addresses, and its personal numbers of `kinds`
    (reading, start, end)."""
    folded = _FOLDABLE.sub(lambda m: _FOLD[ord(m[0])], text)  # faster than translate on Chinese text
    addresses = list(_EMAIL.finditer(folded)) if "@" in folded else []
    # An e-mail address is never read as numbers, whether it is masked or kept.
    pieces, at = [], 0
    for m in addresses:
        pieces += [folded[at : m.start()], "@" * (m.end() - m.start())]
        at = m.end()
    digits_only = "".join(pieces) + folded[at:]
    numbers = []
    for run in _RUN.finditer(digits_only):
        groups = [
            _Group(run.start() + g.start(), run.start() + g.end(), g[0]) for g in _GROUP.finditer(run[0])
        ]
        numbers += [found for found in _numbers(groups) if found[0].kind in kinds]
    return folded, addresses, numbers


def _mask(text: str, kinds: frozenset[_Kind], emails: bool) -> str:
    if not text:
        return text
    folded, addresses, numbers = _found(text, kinds)
    spans: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    if emails:
        spans += [
            (m.start(), m.end(), f"{text[m.start()]}***{text[m.start(2) : m.end()]}") for m in addresses
        ]
    spans += [
        (start, end, _hidden(text[start:end], folded[start:end], reading)) for reading, start, end in numbers
    ]
    if not spans:
        return text
    out, at = [], 0
    for start, end, replacement in sorted(spans):
        out += [text[at:start], replacement]
        at = end
    out.append(text[at:])
    return "".join(out)


def personal_data_spans(text: str) -> list[tuple[int, int, str]]:
    """Where `mask_text` finds personal data in a citizen's text: (start, end, kind) in text order, kind one
    of "mobile", "landline", "id_number", "bank_card", "email"."""
    if not text:
        return []
    _folded, addresses, numbers = _found(text, CITIZEN_KINDS)
    spans = [(m.start(), m.end(), "email") for m in addresses]
    spans += [(start, end, reading.kind.value) for reading, start, end in numbers]
    return sorted(spans)


def mask_text(text: str) -> str:
    """A citizen's text with personal numbers and e-mail addresses masked; the rest as written."""
    return _mask(text, CITIZEN_KINDS, emails=True)


def mask_reply(text: str) -> str:
    """A unit's reply with the personal numbers it quotes masked (mobile, ID and bank card numbers);
    office landlines, hotlines and e-mail addresses stay, they are the unit's public contact details."""
    return _mask(text, REPLY_KINDS, emails=False)


def public_author_name(nickname: str, *, anonymous: bool) -> str:
    """The author as the public sees them: their nickname (its numbers masked), or 网友 when they post
    anonymously or have none. Never the login name, nor a hint of the name's first character or length."""
    nickname = (nickname or "").strip()
    if anonymous or not nickname:
        return ANONYMOUS_AUTHOR
    return mask_text(nickname)
