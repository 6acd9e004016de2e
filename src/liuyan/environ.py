"""Typed readers for settings that come from the environment.

Each reader fails loudly: a value that is present but malformed raises
`ImproperlyConfigured` naming the variable, rather than silently falling back.
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    """The variable's value; required when no default is given."""
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    normalized = value.strip().lower()
    if normalized in _TRUE:
        return True
    if normalized in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


# A rate limit: "count/period", the period an optional number and s, m, h or d (`30/m`, `5/15m`, `10/h`).
RATE_PATTERN = re.compile(r"^(\d+)/(\d*)(s|m|h|d)$")


def env_rate(name: str, default: str) -> str:
    value = env_str(name, default).strip()
    if not RATE_PATTERN.match(value):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate (write count/period, e.g. 30/m or 5/15m)."
        )
    return value
