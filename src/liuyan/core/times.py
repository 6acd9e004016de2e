"""Reading and writing moments in time the way the site's files and feeds do (Beijing time)."""

import re
from datetime import date, datetime, timedelta

from django.utils import timezone

from liuyan.core.text import normalise_text

_TIMESTAMP = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?)?"
)


def iso_time(moment: datetime | None) -> str:
    """Beijing time in ISO 8601 with its offset, to the second; "" for None."""
    if moment is None:
        return ""
    return timezone.localtime(moment, timezone.get_default_timezone()).isoformat(timespec="seconds")


def parse_timestamp(value: object) -> datetime | None:
    """A timestamp in any of the exports' forms, as an aware datetime (local time, Asia/Shanghai).

    `2019/4/25 9:32:09`, `2017-06-08 17:31:20`, `2018/4/24` (midnight), `2019年4月25日 9:32`, ISO 8601
    with or without offset, an Excel date cell or an Excel serial day number. None when it is none of these.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2958466:  # Excel's day numbers run from 1900 to 9999
            return None
        moment = datetime(1899, 12, 30) + timedelta(days=float(value))
    elif isinstance(value, str):
        text = normalise_text(value)
        match = _TIMESTAMP.fullmatch(text)
        try:
            if match:
                year, month, day, hour, minute, second = (int(part) for part in match.groups(default="0"))
                moment = datetime(year, month, day, hour, minute, second)
            else:
                moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment
