"""The figures of the public pages: the whole board's on the home page, a region subtree's and a leader's.

Each is a handful of COUNT / aggregate queries on indexed columns, cached for a minute, so that a busy page
does not count the same rows on every view. The count tables of the reports issue will replace them.

Definitions, as the pages label them:
- 留言量: messages published (any state from 待交办 on, public or not, hidden or not).
- 回复量: of those, the messages answered (已回复 or 已办结).
- 回复率: 回复量 / 留言量.
- 平均回复用时: the mean time from publication (刊发) to the published reply, over answered messages.
- 满意度: the share of ratings whose three scores average at least 4 of 5 (满意率).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from liuyan.board.choices import PUBLIC_STATES, MessageState
from liuyan.board.models import Message, Rating
from liuyan.directory.models import Leader, Region, Unit

CACHE_SECONDS = 60
REPLIED = (MessageState.REPLIED, MessageState.CLOSED)
# A rating counts as satisfied when its three 1–5 scores add up to at least 12 (an average of 4).
SATISFIED_TOTAL = 12


@dataclass(frozen=True)
class Figures:
    """A region's or a leader's figures."""

    messages: int
    replies: int
    average_reply: timedelta | None
    ratings: int
    satisfied: int

    @property
    def reply_rate(self) -> float | None:
        return self.replies / self.messages if self.messages else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None

    @property
    def average_reply_label(self) -> str:
        return duration_label(self.average_reply)


def duration_label(duration: timedelta | None) -> str:
    """A duration as the pages show it: 3.2 天, 5.5 小时, 40 分钟; — when there is none."""
    if duration is None:
        return "—"
    hours = duration.total_seconds() / 3600
    if hours >= 24:
        return f"{hours / 24:.1f} 天"
    if hours >= 1:
        return f"{hours:.1f} 小时"
    return f"{max(1, round(hours * 60))} 分钟"


def _start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def site_figures() -> dict:
    """The whole board: today's and all-time messages and replies, the reply rate, the directory's size."""
    today = timezone.localdate()
    return cache.get_or_set(f"liuyan:figures:site:{today:%Y%m%d}", _site_figures, CACHE_SECONDS)


def _site_figures() -> dict:
    start = _start_of_today()
    by_state = dict(
        Message.objects.filter(state__in=PUBLIC_STATES)
        .values_list("state")
        .annotate(count=Count("pk"))
        .order_by()
    )
    messages, replies = sum(by_state.values()), sum(by_state.get(state, 0) for state in REPLIED)
    return {
        "messages_today": Message.objects.filter(state__in=PUBLIC_STATES, published_at__gte=start).count(),
        "replies_today": Message.objects.filter(state__in=REPLIED, replied_at__gte=start).count(),
        "messages": messages,
        "replies": replies,
        "reply_rate": replies / messages if messages else None,
        "regions": Region.objects.count(),
        "leaders": Leader.objects.filter(active=True).count(),
        "units": Unit.objects.filter(active=True).count(),
    }


def region_figures(region: Region) -> Figures:
    """The figures of every message about `region` or any place within it."""
    return cache.get_or_set(
        f"liuyan:figures:region:{region.code}",
        lambda: _figures(Q(region__path__startswith=region.path)),
        CACHE_SECONDS,
    )


def leader_figures(leader: Leader) -> Figures:
    """The figures of the messages addressed to `leader`."""
    return cache.get_or_set(
        f"liuyan:figures:leader:{leader.pk}", lambda: _figures(Q(leader_id=leader.pk)), CACHE_SECONDS
    )


def _figures(scope: Q) -> Figures:
    reply_time = ExpressionWrapper(F("replied_at") - F("published_at"), output_field=DurationField())
    answered = Q(state__in=REPLIED, replied_at__isnull=False, published_at__isnull=False)
    counts = Message.objects.filter(scope, state__in=PUBLIC_STATES).aggregate(
        messages=Count("pk"),
        replies=Count("pk", filter=Q(state__in=REPLIED)),
        average_reply=Avg(reply_time, filter=answered),
    )
    ratings = (
        Rating.objects.filter(message__in=Message.objects.filter(scope).values("pk"))
        .alias(total=F("resolution") + F("attitude") + F("speed"))
        .aggregate(ratings=Count("pk"), satisfied=Count("pk", filter=Q(total__gte=SATISFIED_TOTAL)))
    )
    return Figures(
        messages=counts["messages"],
        replies=counts["replies"],
        average_reply=counts["average_reply"],
        ratings=ratings["ratings"],
        satisfied=ratings["satisfied"],
    )
