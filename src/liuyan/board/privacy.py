"""Masking personal data in what the public sees: phone numbers, ID numbers, bank cards, e-mail
addresses in titles and bodies, and the author's name when they post anonymously."""

import re

# 18-digit resident ID: keep the region code and the last four (birth date and sequence hidden).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
# Bank cards: 16–19 digits, possibly grouped by spaces or hyphens; keep the first and last four.
_BANK_CARD = re.compile(r"(?<![\d])(\d{4})(?:[ -]?\d){8,11}([ -]?)(\d{4})(?![\d])")
_MOBILE = re.compile(r"(?<!\d)(\+?86[ -]?)?(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[ -]?\d{3,4}(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9])[A-Za-z0-9._%+-]*(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")


def mask_text(text: str) -> str:
    """The text with personal numbers and addresses masked; the rest unchanged."""
    if not text:
        return text
    text = _ID_NUMBER.sub(r"\1********\2", text)
    text = _BANK_CARD.sub(lambda m: f"{m[1]} **** **** {m[3]}", text)
    text = _MOBILE.sub(r"\2****\3", text)
    text = _LANDLINE.sub(r"\1-****\2", text)
    return _EMAIL.sub(r"\1***\2", text)


def mask_name(name: str) -> str:
    """张三丰 → 张**; an anonymous author is shown only like this."""
    name = (name or "").strip()
    if not name:
        return "网友"
    return name[0] + "*" * max(2, len(name) - 1)
