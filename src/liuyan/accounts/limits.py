"""Limits against guessing and against running up SMS costs, counted in the cache (CACHE_URL).

- Failed sign-ins, per account and per client address (`LimitedModelBackend` puts every password sign-in
  through them: the site, the API and the admin): past the limit a sign-in is refused, even with the right
  password, until the window ends.
- Texted codes (registration and password reset), per client address and for the whole site per day.

The client address is `client.client_address`, which believes X-Forwarded-For only from trusted proxies.
Counters are atomic with Redis; the file cache is shared by one machine's processes, not atomic between
them (README: use Redis when several machines serve the site).
"""

import contextlib
import hashlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from liuyan.accounts.client import client_address
from liuyan.environ import RATE_PATTERN

logger = logging.getLogger(__name__)

PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(setting: str) -> tuple[int, int]:
    """The setting's "count/period" (e.g. `5/15m`, `10/h`; checked at start by `environ.env_rate`) as
    (count, seconds)."""
    value = getattr(settings, setting)
    match = RATE_PATTERN.match(str(value).strip())
    if match is None:
        raise ImproperlyConfigured(f"{setting}={value!r}: write it as count/period, e.g. 5/15m or 10/h.")
    return int(match[1]), int(match[2] or 1) * PERIOD_SECONDS[match[3]]


@dataclass(frozen=True)
class Refusal:
    """Why a request is turned away, in Chinese, and after how many seconds it may be tried again."""

    message: str
    retry_after: int


class TooManyAttempts(Exception):
    """A limit of this module refused the request (HTTP 429)."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.message)
        self.refusal = refusal


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


class Counter:
    """At most `count` events per window and key; a window starts with its key's first event.

    `take` counts the event before the caller acts on it, so that parallel requests cannot all pass a
    check made before any of them is counted; `give_back` undoes it when the event turns out not to count
    (a sign-in that succeeded, an SMS that was not sent).
    """

    def __init__(self, name: str, setting: str):
        self.name, self.setting = name, setting

    def rate(self) -> tuple[int, int]:
        return parse_rate(self.setting)

    def _keys(self, ident: str) -> tuple[str, str]:
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        return f"liuyan-limit:{self.name}:{digest}", f"liuyan-limit:{self.name}:{digest}:start"

    def take(self, ident: str) -> int | None:
        """Count one event. None when it is within the limit, else the seconds left in the window."""
        count, window = self.rate()
        key, start_key = self._keys(ident)
        now = time.time()
        cache.add(start_key, now, window)
        cache.add(key, 0, window)
        try:
            taken = cache.incr(key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(start_key, now, window)
            cache.set(key, 1, window)
            taken = 1
        left = max(1, math.ceil(float(cache.get(start_key, now)) + window - now))
        cache.touch(key, left)  # the file cache's incr() resets the expiry to its default
        return left if taken > count else None

    def give_back(self, ident: str) -> None:
        with contextlib.suppress(ValueError):  # the window has ended: nothing to give back
            cache.decr(self._keys(ident)[0])


# ---- Sign-in -------------------------------------------------------------------------------------

ACCOUNT_FAILURES = Counter("signin-account", "LIUYAN_SIGNIN_ACCOUNT_FAILURES")
ADDRESS_FAILURES = Counter("signin-address", "LIUYAN_SIGNIN_ADDRESS_FAILURES")
REFUSAL_ATTRIBUTE = "liuyan_sign_in_refusal"


def sign_in_refusal(request: HttpRequest) -> Refusal | None:
    """The refusal `LimitedModelBackend` gave this request's sign-in, if it refused it."""
    return getattr(request, REFUSAL_ATTRIBUTE, None)


def _account(username: str) -> str:
    # Usernames are unique regardless of case (registration checks iexact).
    return username.strip().casefold()


class LimitedModelBackend(ModelBackend):
    """Django's username and password check, behind the failed sign-in limits.

    Every try counts as a failure until the password proves right. Past either limit the password is not
    checked at all: `authenticate()` returns None and `sign_in_refusal(request)` says why, so that the
    page or endpoint answers 429 rather than "wrong password".
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        account = _account(str(username))
        address = client_address(request) if request is not None else None
        waits = [ACCOUNT_FAILURES.take(account)]
        if address is not None:
            waits.append(ADDRESS_FAILURES.take(address))
        wait = max((seconds for seconds in waits if seconds is not None), default=None)
        if wait is not None:
            logger.warning("Sign-in refused after too many failures (account or address %s).", address)
            refusal = Refusal(f"登录失败次数过多，请 {_minutes(wait)} 分钟后再试。", wait)
            if request is not None:
                setattr(request, REFUSAL_ATTRIBUTE, refusal)
            raise PermissionDenied(refusal.message)  # authenticate() stops here and returns None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            ACCOUNT_FAILURES.give_back(account)
            if address is not None:
                ADDRESS_FAILURES.give_back(address)
        return user


# ---- Texted codes --------------------------------------------------------------------------------

CODES_PER_ADDRESS = Counter("code-address", "LIUYAN_PHONE_CODE_ADDRESS_RATE")


class _DailyCodes(Counter):
    """The site's texted codes of one calendar day (Asia/Shanghai), at most LIUYAN_PHONE_CODES_PER_DAY."""

    def rate(self) -> tuple[int, int]:
        return settings.LIUYAN_PHONE_CODES_PER_DAY, 2 * 86400  # the key names the day; it outlives it

    def today(self) -> str:
        return timezone.localdate().isoformat()


CODES_PER_DAY = _DailyCodes("code-day", "LIUYAN_PHONE_CODES_PER_DAY")


def take_code_request(address: str | None) -> None:
    """Count one request from `address` to text a code; raises TooManyAttempts past the limit."""
    if address is None:
        return
    wait = CODES_PER_ADDRESS.take(address)
    if wait is not None:
        raise TooManyAttempts(Refusal(f"获取验证码过于频繁，请 {_minutes(wait)} 分钟后再试。", wait))


def take_code_of_the_day() -> None:
    """Count one SMS against the site's daily total; raises TooManyAttempts when it is reached."""
    if not settings.LIUYAN_PHONE_CODES_PER_DAY:
        return
    if CODES_PER_DAY.take(CODES_PER_DAY.today()) is not None:
        CODES_PER_DAY.give_back(CODES_PER_DAY.today())
        logger.error("The daily limit of texted codes (LIUYAN_PHONE_CODES_PER_DAY) is reached.")
        raise TooManyAttempts(Refusal("今日短信验证码发送量已达上限，请明天再试。", _seconds_to_midnight()))


def give_back_code_of_the_day() -> None:
    """The SMS was not sent after all: it does not count against the day's total."""
    if settings.LIUYAN_PHONE_CODES_PER_DAY:
        CODES_PER_DAY.give_back(CODES_PER_DAY.today())


def _seconds_to_midnight() -> int:
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return max(1, int((midnight - now).total_seconds()))
