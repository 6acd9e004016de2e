"""The shared page cache: anonymous readers of the public pages and the public API's GETs are answered
from the cache (CACHES["pages"]) without a query, a session or a user; everyone else gets pages marked
private.

A page is stored under its URL together with the *generations* it was rendered under: random tokens in
the same cache that web/page_invalidation.py replaces when something the public sees changes. A stored
page is served only while its tokens are the current ones, so a new token retires every page rendered
before it at once, whichever process or machine stored it; the entries' own lifetime
(LIUYAN_PAGE_CACHE_SECONDS) bounds how stale a page can get from changes that announce nothing (counts
updated by tasks, the passing of time). A message's own page and API detail also carry that message's
generation, so that a 点赞 refreshes the one message without emptying the cache. The tokens and the page
are read together (one round trip to Redis).

The tokens are read before the view reads the database, and replaced only after the change commits, so
a page rendered from data older than a change always carries a token that the change has already
replaced. Tokens are random, not counters, so this holds without an atomic increment (the file cache has
none), and whichever of two racing renders is stored last.

Anonymous is decided from the request alone: no session cookie, no flash-message cookie, no
Authorization header. A response that sets a cookie (a CSRF token, a session), that is not a 200, or that
says it is private is never stored.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import http_date

logger = logging.getLogger(__name__)

PUBLIC_GENERATION = "page-generation:public"

# The public pages and API reads, whatever the visitor: the same URL shows everyone the same thing.
# A named group `message` marks a message's own page, which also carries that message's generation.
CACHEABLE_PATH = re.compile(
    r"""^/(?:
        |messages/(?:(?P<message>[0-9]+)/)?
        |leaders/[0-9]+/(?:feed\.(?:rss|atom))?
        |regions/(?:[0-9]{6}/(?:feed\.(?:rss|atom))?)?
        |campaigns/(?:[-\w]+/(?:feed\.(?:rss|atom))?)?
        |search/
        |stats/(?:[-\w]+/)*
        |api/v1/(?:
            messages(?:/(?P<api_message>[0-9]+))?
            |regions(?:/[0-9]{6})?
            |leaders|units|domains|message-types|hot-topics
            |campaigns(?:/[-\w]+)?
            |stats(?:/[-\w]+)+
        )
    )$""",
    re.VERBOSE,
)
# Pages about one person (their account, messages, notices, work): never kept by a browser or a proxy.
PERSONAL_PREFIXES = (
    "/accounts/",
    "/me/",
    "/workbench/",
    "/admin/",
    "/post/",
    "/api/v1/me",
    "/api/v1/messages/mine",
    "/api/v1/notifications",
    "/api/v1/workbench",
)
# Response headers that a stored page keeps; the rest (Date, the security headers of the middleware
# outside this one) are made afresh for each answer.
STORED_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-language",
        "content-disposition",
        "etag",
        "last-modified",
        "vary",
        "x-frame-options",
        "cache-control",
    }
)


@dataclass(frozen=True)
class Entry:
    """A stored answer: plain values, so that reading one back is a cheap unpickle."""

    tokens: tuple[str, ...]
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes


def page_store():
    """The page cache: its own alias where settings define one, so that pages pushed out by newer pages
    are never rate-limit counters."""
    return caches["pages" if "pages" in settings.CACHES else "default"]


def new_token() -> str:
    """A generation token: when it was made, and a random part that no other token shares."""
    return f"{time.time():.3f}-{secrets.token_hex(6)}"


def made_at(token: str) -> float:
    try:
        return float(token.partition("-")[0])
    except ValueError:
        return 0.0


def lifetime(tokens: tuple[str, ...]) -> int:
    """How long a page rendered under these generations is kept. Pages are read from a replica when
    replicas are configured, and a replica may lag behind the commit that made a new generation: a page
    rendered that soon after one is kept only as long as a replica may lag (a lagging replica is not read),
    so that it cannot show the replica's older state for the page's whole lifetime."""
    seconds = settings.LIUYAN_PAGE_CACHE_SECONDS
    if getattr(settings, "LIUYAN_DATABASE_REPLICAS", None):
        lag = settings.LIUYAN_REPLICA_MAX_LAG_SECONDS
        if time.time() - max(made_at(token) for token in tokens) < lag:
            return min(seconds, lag)
    return seconds


def message_generation_key(message_id: int | str) -> str:
    return f"page-generation:message:{int(message_id)}"


@dataclass(frozen=True)
class Lookup:
    """Where this URL's page is stored, the generations it must carry, and what is stored there."""

    key: str
    tokens: tuple[str, ...]
    entry: Entry | None

    def fresh_entry(self) -> Entry | None:
        entry = self.entry
        return entry if getattr(entry, "tokens", None) == self.tokens else None


def look_up(request, match: re.Match) -> Lookup | None:
    """This URL's stored page and the current generations, in one read of the cache. A generation not
    stored (first use, or pushed out of the cache) gets a new token, which only retires older pages.
    None when the cache cannot be read: the page is then rendered, as if there were no cache."""
    store = page_store()
    generation_keys = [PUBLIC_GENERATION]
    message_id = match.group("message") or match.group("api_message")
    if message_id:
        generation_keys.append(message_generation_key(message_id))
    # get_host() checks ALLOWED_HOSTS: a request for another host is refused here as it would be below.
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    key = f"page:{hashlib.sha256(url.encode()).hexdigest()[:32]}"
    try:
        found = store.get_many([*generation_keys, key])
        missing = [name for name in generation_keys if name not in found]
        if missing:
            for name in missing:
                store.add(name, new_token(), timeout=None)
            found.update(store.get_many(missing))
    except Exception as error:  # an unavailable cache (Redis down) must not take the public pages with it
        logger.warning("Page cache unavailable, rendering %s: %s", request.path, error)
        return None
    tokens = tuple(found.get(name) or new_token() for name in generation_keys)
    return Lookup(key, tokens, found.get(key))


def public_match(request) -> re.Match | None:
    """The match of a public page's path, if an anonymous visitor reads it; None for anything else."""
    if request.method not in ("GET", "HEAD") or not is_anonymous(request):
        return None
    return CACHEABLE_PATH.match(request.path_info)


def is_anonymous(request) -> bool:
    cookies = request.COOKIES
    return (
        settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
        and "HTTP_AUTHORIZATION" not in request.META
    )


def storable(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    return not any(word in cache_control for word in ("private", "no-store", "no-cache")) and (
        "*" not in response.get("Vary", "")
    )


def mark_public(response) -> None:
    """What a browser or a proxy may do with an anonymous public page: keep it briefly for anyone who
    sends no cookie or credentials, and ask again with its ETag after that."""
    patch_cache_control(response, public=True, max_age=settings.LIUYAN_PAGE_MAX_AGE)
    patch_vary_headers(response, ("Cookie", "Authorization"))
    if not response.has_header("ETag"):
        set_response_etag(response)
    if not response.has_header("Last-Modified"):
        response["Last-Modified"] = http_date(time.time())


def mark_private(request, response) -> None:
    """A page for one visitor (signed in, or a page about their account or work): never shared; pages
    about a person are not kept at all. A view that said no-store already is left as it said."""
    patch_vary_headers(response, ("Cookie", "Authorization"))
    if "no-store" in response.get("Cache-Control", ""):
        return
    if request.path.startswith(PERSONAL_PREFIXES):
        add_never_cache_headers(response)
    else:
        patch_cache_control(response, private=True, no_cache=True, max_age=0)


def to_entry(response, tokens: tuple[str, ...]) -> Entry:
    headers = tuple((name, value) for name, value in response.items() if name.lower() in STORED_HEADERS)
    return Entry(tokens, response.status_code, headers, response.content)


def store(lookup: Lookup, response) -> None:
    try:
        page_store().set(lookup.key, to_entry(response, lookup.tokens), timeout=lifetime(lookup.tokens))
    except Exception as error:  # as in look_up: the page was rendered, it is just not kept
        logger.warning("Page cache unavailable, not storing %s: %s", lookup.key, error)


def from_entry(entry: Entry, method: str) -> HttpResponse:
    response = HttpResponse(b"" if method == "HEAD" else entry.content, status=entry.status)
    for name, value in entry.headers:
        response[name] = value
    return response


class PageCacheMiddleware:
    """Answers anonymous GET and HEAD requests for the public pages from the page cache, and stores the
    pages it renders; marks every other answer private.

    Placed before the session and authentication middleware, so that a stored page costs no session
    look-up, no user and no query; after the security and CSP middleware, so that their headers are put
    on every answer, stored or not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = public_match(request)
        if match is None:
            response = self.get_response(request)
            mark_private(request, response)
            return response
        lookup = look_up(request, match) if settings.LIUYAN_PAGE_CACHE else None
        entry = lookup.fresh_entry() if lookup is not None else None
        if entry is not None:
            return from_entry(entry, request.method)
        response = self.get_response(request)
        if not storable(response):
            mark_private(request, response)
            return response
        mark_public(response)
        # A HEAD response may come without its body (the test client removes it): only GETs are stored.
        if lookup is not None and request.method == "GET":
            store(lookup, response)
        return response
