"""Hot topics (热点话题) of the public messages of a period: the clustering (intelligence/clustering.py) over
the database, with each message's tokens stored (TopicTokens) and the results cached; the home page's
topics computed ahead by `run_periodic`."""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from datetime import time as day_time

from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from liuyan.board.models import Campaign
from liuyan.board.privacy import mask_text
from liuyan.board.selectors import public_messages
from liuyan.directory.models import Region
from liuyan.intelligence.clustering import (
    BODY_CHARS,
    Topic,
    TopicItem,
    find_hot_topics,
    tokens,
    weighted_document,
)
from liuyan.intelligence.models import TopicSnapshot, TopicTokens

# `run_periodic` recomputes the home page's topics every quarter hour or so, well within this.
CACHE_SECONDS = 3600
# A computation over more messages than this uses the most recent ones, and says from when (the cost of
# linking grows faster than the count: 10,000 messages take a few seconds, twice as many four times that).
MAX_MESSAGES = 10_000
# Stored tokens made by another version of `tokens` (its rules or word lists) are made again.
TOKENS_VERSION = 1


class UnknownFilter(ValueError):
    """A region code or campaign slug that names nothing."""


@dataclass
class PeriodTopics:
    """The hot topics of a period, and what they were computed from."""

    topics: list[Topic]
    # Public messages in the period that were clustered.
    message_count: int
    # Set when the period held more than MAX_MESSAGES: the time of the oldest message used. Growth is then
    # measured from there, not from the start of the period.
    covered_from: datetime | None = None

    @property
    def notice(self) -> str:
        """What a reader should know about the coverage, in Chinese; empty when everything was used."""
        if self.covered_from is None:
            return ""
        return f"留言较多，仅统计了 {self.covered_from:%Y-%m-%d %H:%M} 以来的最近 {self.message_count} 条。"


def hot_topics_between(
    start: datetime,
    end: datetime,
    *,
    region: str | None = None,
    campaign: str | None = None,
    top: int = 10,
    refresh: bool = False,
) -> PeriodTopics:
    """Hot topics among the public messages submitted in [start, end), optionally within a region's
    subtree (by code) or a campaign (by slug); cached for CACHE_SECONDS (`refresh`: computed anew). Texts
    are masked as the public sees them. Raises UnknownFilter for a region or campaign that does not exist."""
    key = _cache_key(start, end, region, campaign, top)
    result = None if refresh else cache.get(key)
    if result is None:
        items = _public_items(start, end, region, campaign)
        covered_from = None
        if len(items) > MAX_MESSAGES:  # the newest come first
            items = items[:MAX_MESSAGES]
            covered_from = start = items[-1].created_at
        topics = find_hot_topics(items, top=top, period=(start, end), documents=_stored_documents(items))
        result = PeriodTopics(topics, len(items), covered_from)
        cache.set(key, result, CACHE_SECONDS)
    return result


def _cache_key(start: datetime, end: datetime, region: str | None, campaign: str | None, top: int) -> str:
    return f"hot_topics:v3:{start.isoformat()}:{end.isoformat()}:{region or ''}:{campaign or ''}:{top}"


def _public_items(
    start: datetime, end: datetime, region: str | None, campaign: str | None
) -> list[TopicItem]:
    """The period's public messages, newest first: at most MAX_MESSAGES + 1 (one more tells that there
    were more)."""
    messages = public_messages().filter(created_at__gte=start, created_at__lt=end)
    if region:
        path = Region.objects.filter(pk=region).values_list("path", flat=True).first()
        if path is None:
            raise UnknownFilter(f"没有这个行政区划：{region}")
        messages = messages.filter(region__path__startswith=path)
    if campaign:
        campaign_id = Campaign.objects.filter(slug=campaign).values_list("id", flat=True).first()
        if campaign_id is None:
            raise UnknownFilter(f"没有这个专栏：{campaign}")
        messages = messages.filter(campaign_id=campaign_id)
    rows = messages.order_by("-created_at", "-id").values_list(
        "id", "serial", "title", "body", "created_at", "support_count", "region__name", "author_id"
    )[: MAX_MESSAGES + 1]
    return [
        TopicItem(
            id=str(pk),
            serial=serial,
            title=mask_text(title),
            body=mask_text(body),
            created_at=created_at,
            support=support,
            regions=(region_name,),
            author=str(author_id),
        )
        for pk, serial, title, body, created_at, support, region_name, author_id in rows
    ]


def _digest(item: TopicItem) -> str:
    text = f"{TOKENS_VERSION}\0{item.title}\0{item.body[:BODY_CHARS]}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _stored_documents(items: list[TopicItem]) -> list[list[str]]:
    """The messages' documents (as `clustering.document`), from their stored TopicTokens where those were
    made from the same text; the others are segmented now and stored for the next computation."""
    ids = [int(item.id) for item in items]
    # At most MAX_MESSAGES ids: one IN list, within SQLite's 32,766 parameters.
    rows = TopicTokens.objects.filter(message_id__in=ids)
    stored = {
        message_id: row
        for message_id, *row in rows.values_list("message_id", "digest", "title_tokens", "body_tokens")
    }
    documents, fresh = [], []
    for message_id, item in zip(ids, items, strict=True):
        digest = _digest(item)
        row = stored.get(message_id)
        if row is not None and row[0] == digest:
            title_tokens, body_tokens = row[1].split(), row[2].split()
        else:
            title_tokens, body_tokens = tokens(item.title), tokens(item.body[:BODY_CHARS])
            fresh.append(
                TopicTokens(
                    message_id=message_id,
                    digest=digest,
                    title_tokens=" ".join(title_tokens),
                    body_tokens=" ".join(body_tokens),
                )
            )
        documents.append(weighted_document(title_tokens, body_tokens))
    TopicTokens.objects.bulk_create(
        fresh,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["message"],
        update_fields=["digest", "title_tokens", "body_tokens"],
    )
    return documents


# The home page's topics as last computed, kept past the day's own entry: from midnight until `run_periodic`
# has computed the new day's, and after the day's entry expired, the page shows the last computation.
LATEST_SECONDS = 2 * 24 * 3600
# A page that finds nothing computed asks a task worker for it at most this often.
WARM_REQUEST_SECONDS = 900


def _recent_period(days: int) -> tuple[datetime, datetime]:
    """The last `days` local days up to the end of today (so a cache key holds all day long)."""
    zone = timezone.get_current_timezone()
    end = datetime.combine(timezone.localdate() + timedelta(days=1), day_time.min, tzinfo=zone)
    return end - timedelta(days=days), end


def _latest_key(days: int, top: int) -> str:
    return f"hot_topics:v3:latest:{days}:{top}"


# The home page's period and number of topics.
HOME_DAYS, HOME_TOP = 30, 5


def recent_hot_topics(days: int = HOME_DAYS, top: int = HOME_TOP, *, refresh: bool = False) -> PeriodTopics:
    """The top topics of the last `days` days up to the end of today: what the home page shows, computed
    ahead by `run_periodic` (refresh=True)."""
    start, end = _recent_period(days)
    result = hot_topics_between(start, end, top=top, refresh=refresh)
    if refresh:
        cache.set(_latest_key(days, top), result, LATEST_SECONDS)
        TopicSnapshot.objects.update_or_create(
            key=_latest_key(days, top),
            defaults={"computed_at": timezone.now(), "topics": _snapshot(result)},
        )
    return result


def _snapshot(result: PeriodTopics) -> dict:
    """The JSON of a computation, times to the microsecond (DjangoJSONEncoder would keep milliseconds)."""
    return json.loads(json.dumps(asdict(result), default=datetime.isoformat))


def _from_snapshot(data: dict) -> PeriodTopics:
    """The PeriodTopics a snapshot was made of (JSON keeps datetimes as ISO text and tuples as lists)."""

    def item(row: dict) -> TopicItem:
        return TopicItem(
            **{**row, "created_at": parse_datetime(row["created_at"]), "regions": tuple(row["regions"])}
        )

    topics = [
        Topic(
            **{
                **row,
                "regions": [tuple(pair) for pair in row["regions"]],
                "first_at": parse_datetime(row["first_at"]),
                "last_at": parse_datetime(row["last_at"]),
                "representatives": [item(r) for r in row["representatives"]],
            }
        )
        for row in data["topics"]
    ]
    covered_from = data["covered_from"] and parse_datetime(data["covered_from"])
    return PeriodTopics(topics, data["message_count"], covered_from)


def stored_hot_topics() -> PeriodTopics | None:
    """The home page's topics without computing them on the request (10,000 messages take seconds):
    today's computation, or else the last one (from the cache, or its snapshot in the database when the
    cache has lost it); None when there is none yet, and then a task worker is asked to compute them
    (`warm_hot_topics`, which `run_periodic` also runs every quarter hour)."""
    start, end = _recent_period(HOME_DAYS)
    today, latest = _cache_key(start, end, None, None, HOME_TOP), _latest_key(HOME_DAYS, HOME_TOP)
    found = cache.get_many([today, latest])
    result = found.get(today) or found.get(latest)
    if result is None:
        stored = TopicSnapshot.objects.filter(key=latest).values_list("topics", flat=True).first()
        if stored is not None:
            result = _from_snapshot(stored)
            cache.set(latest, result, LATEST_SECONDS)
    if result is None and cache.add("hot_topics:v3:warm-requested", 1, WARM_REQUEST_SECONDS):
        # tasks.py imports this module for the work its task does.
        from liuyan.intelligence.tasks import warm_hot_topics

        warm_hot_topics.enqueue()
    return result
