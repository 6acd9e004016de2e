"""How the board reads what people send it, the same at every entry (the JSON API, Open311, the site's forms
and the importer): typed text, ids and days.

It sits beside `environ.py`, under every app, because every app takes such input (accounts: user names;
board: messages and imports; api and web: everything) and apps depend one way (STYLE.md §14).

Text: control characters (C0, DEL, C1) are refused — apart from line breaks and tabs in multi-line texts —
and so are lone surrogates (they cannot be stored as UTF-8) and the non-characters U+FFFE and U+FFFF. XML 1.0
forbids them, so one of them in a message would break the RSS/Atom feeds and Open311's XML of every region
above it; PostgreSQL refuses NUL outright.
"""

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError

_FORBIDDEN_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# A region's code: six ASCII digits down to the counties, nine for townships and street offices.
REGION_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3})?")

# The largest id the database holds (a signed 64-bit integer); a larger number names nothing.
MAX_ID = 2**63 - 1
_ID = re.compile(r"[0-9]{1,19}")

# Days people may ask about: wide enough for any record the board holds, far enough from the calendar's
# ends (years 1 and 9999) that a period's arithmetic (a few thousand days, time zones) never overflows.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)
DAY_RULE = f"日期应写作 YYYY-MM-DD，在 {FIRST_DAY} 至 {LAST_DAY} 之间"


def forbidden_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character of `text` that typed text may not hold, or None."""
    match = (_FORBIDDEN_IN_TEXT if multiline else _FORBIDDEN_IN_LINE).search(text)
    return match.group() if match else None


def refusal(character: str) -> str:
    """Why a text holding `character` is refused, for the person who typed it."""
    if character in "\t\n\r":
        return "只能填写一行，不能包含换行符、制表符等控制字符。"
    return f"不能包含控制字符或无效字符（U+{ord(character):04X}），请删除后重试。"


def check_line(text: str) -> None:
    """A one-line text (a title, a name, a code): ValidationError unless it is plain."""
    if (character := forbidden_character(text)) is not None:
        raise ValidationError(refusal(character), code="forbidden_character")


def check_text(text: str) -> None:
    """A multi-line text (a message, a reply, a reason): ValidationError unless it is plain."""
    if (character := forbidden_character(text, multiline=True)) is not None:
        raise ValidationError(refusal(character), code="forbidden_character")


def strip_forbidden(text: str, *, multiline: bool = False) -> tuple[str, int]:
    """`text` without the characters typed text may not hold, and how many were removed (the importer)."""
    return (_FORBIDDEN_IN_TEXT if multiline else _FORBIDDEN_IN_LINE).subn("", text)


def parse_id(text: str) -> int | None:
    """An id written in ASCII digits (not ² or full-width ones), or None when it is not one or too large."""
    text = text.strip()
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def check_day(day: date) -> date:
    """`day`, or ValueError (in Chinese) when it lies outside FIRST_DAY–LAST_DAY."""
    if isinstance(day, datetime):
        day = day.date()
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{DAY_RULE}：{day.isoformat()}。")
    return day


def parse_day(text: str) -> date:
    """A day written YYYY-MM-DD within FIRST_DAY–LAST_DAY; ValueError (in Chinese) otherwise."""
    try:
        day = date.fromisoformat(text) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f"{DAY_RULE}，收到“{text[:20]}”。")
    return check_day(day)
