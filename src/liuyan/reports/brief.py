"""The daily brief (每日留言简报): one day's figures against the day before, where the messages came from,
the day's hot topics, notable cases, overdue and supervised messages and leaders' instructions — assembled
here, rendered as HTML or PDF (WeasyPrint) by `render_brief_html` / `write_brief_pdf`.

Totals and breakdowns are read from the count tables (`reports.stats`); the lists are a few indexed queries
over the day's public messages. Only public messages are listed, their texts masked: a brief may be published.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from liuyan.board.choices import EventKind
from liuyan.board.models import Campaign, Event, Instruction, Message, Rating
from liuyan.board.privacy import mask_text
from liuyan.board.selectors import public_messages
from liuyan.directory.choices import RegionLevel
from liuyan.directory.models import Domain, MessageType, Region
from liuyan.intelligence.hot_topics import hot_topics_between
from liuyan.reports import charts, stats
from liuyan.reports.choices import Dimension
from liuyan.reports.counts import SATISFIED_SUM
from liuyan.reports.models import DailyCount

TOP_REGIONS = 10
LIST_SIZE = 10
FAST_HOURS = 24
EXCERPT = 80
CSS_PATH = "web/brief.css"


class BriefError(ValueError):
    """A brief that cannot be built: an unknown region or campaign."""


@dataclass(frozen=True)
class Total:
    """One headline figure of the day and its change since the day before."""

    label: str
    value: str
    previous: str
    delta: str  # "+12", "-3", "+1.5 个百分点", "—"
    arrow: str  # "↑", "↓" or ""


@dataclass(frozen=True)
class Case:
    """A message in one of the brief's lists, as the public may read it."""

    id: int
    serial: str
    title: str
    region: str
    unit: str
    hours: float | None = None
    rating: float | None = None
    note: str = ""


@dataclass(frozen=True)
class InstructionRow:
    leader: str
    message_title: str
    message_id: int
    excerpt: str


@dataclass(frozen=True)
class HotTopic:
    label: str
    message_count: int
    support_total: int
    examples: list[str]


@dataclass
class Brief:
    """Everything one day's brief shows, for the nation, a region (with its subtree) or a campaign."""

    day: date
    scope_title: str
    region_code: str = ""
    campaign_slug: str = ""
    figures: stats.Figures = field(default_factory=stats.Figures)
    totals: list[Total] = field(default_factory=list)
    by_region: list[tuple[str, int]] = field(default_factory=list)
    region_label: str = "地区"
    by_domain: list[tuple[str, int]] = field(default_factory=list)
    by_type: list[tuple[str, int]] = field(default_factory=list)
    hot_topics: list[HotTopic] = field(default_factory=list)
    fast_cases: list[Case] = field(default_factory=list)
    well_rated: list[Case] = field(default_factory=list)
    overdue_count: int = 0
    overdue: list[Case] = field(default_factory=list)
    supervised_count: int = 0
    supervised: list[Case] = field(default_factory=list)
    instructions: list[InstructionRow] = field(default_factory=list)

    @property
    def date_label(self) -> str:
        return f"{self.day.year}年{self.day.month}月{self.day.day}日"

    @property
    def region_chart(self) -> SafeString:
        return charts.bar_chart(
            self.by_region, title=f"留言量按{self.region_label}分布", unit="条", width=640
        )

    @property
    def domain_chart(self) -> SafeString:
        return charts.share_chart(self.by_domain, title="留言量按领域分布", width=320)

    @property
    def type_chart(self) -> SafeString:
        return charts.share_chart(self.by_type, title="留言量按类型分布", width=320)


# ---------------------------------------------------------------------------------------------------------
# Building


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day's first instant and the next day's."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)


def build_brief(day: date, *, region: str | None = None, campaign: str | None = None) -> Brief:
    """The brief of `day` for the nation, a region (by code) or a campaign (by slug). Raises BriefError for an
    unknown region or campaign. Costs a couple of dozen queries, whatever the number of messages."""
    place = camp = None
    if region:
        place = Region.objects.filter(pk=region).first()
        if place is None:
            raise BriefError(f"没有这个行政区划：{region}")
        scope = stats.region_scope(place.code)
    elif campaign:
        camp = Campaign.objects.filter(slug=campaign).first()
        if camp is None:
            raise BriefError(f"没有这个专栏：{campaign}")
        scope = stats.campaign_scope(camp.slug)
    else:
        scope = stats.national()
    brief = Brief(
        day, scope.name, region_code=place.code if place else "", campaign_slug=camp.slug if camp else ""
    )
    today = stats.figures(scope, day, day)
    before = stats.figures(scope, day - timedelta(days=1), day - timedelta(days=1))
    brief.figures = today
    brief.totals = _totals(today, before)

    start, end = day_bounds(day)
    if camp is None:
        brief.by_region, brief.region_label = _by_child_region(place, day)
        brief.by_domain = [(s.name, s.figures.received) for s in stats.breakdown(scope, day, day, "domain")]
        brief.by_type = [(s.name, s.figures.received) for s in stats.breakdown(scope, day, day, "type")]
    else:
        brief.by_region, brief.by_domain, brief.by_type = _campaign_breakdowns(camp, start, end)
    brief.by_domain = [row for row in brief.by_domain if row[1]]
    brief.by_type = [row for row in brief.by_type if row[1]]

    messages = public_messages()
    if place is not None:
        messages = messages.filter(region__path__startswith=place.path)
    if camp is not None:
        messages = messages.filter(campaign=camp)
    brief.hot_topics = _hot_topics(start, end, region=brief.region_code, campaign=brief.campaign_slug)
    brief.fast_cases = _fast_cases(messages, start, end)
    brief.well_rated = _well_rated(messages, start, end)
    brief.overdue_count, brief.overdue = _overdue(messages, end)
    brief.supervised_count, brief.supervised = _supervised(messages, start, end)
    brief.instructions = _instructions(messages, start, end)
    return brief


def _arrow(change: float) -> str:
    return "↑" if change > 0 else "↓" if change < 0 else ""


def _count_total(label: str, now: int, then: int) -> Total:
    change = now - then
    return Total(label, str(now), str(then), f"{change:+d}", _arrow(change))


def _rate_total(label: str, now: float | None, then: float | None) -> Total:
    shown = "—" if now is None else f"{now * 100:.1f}%"
    previous = "—" if then is None else f"{then * 100:.1f}%"
    if now is None or then is None:
        return Total(label, shown, previous, "—", "")
    change = round((now - then) * 100, 1)
    return Total(label, shown, previous, f"{change:+.1f} 个百分点", _arrow(change))


def _totals(today: stats.Figures, before: stats.Figures) -> list[Total]:
    return [
        _count_total("留言量", today.received, before.received),
        _count_total("刊发", today.published, before.published),
        _count_total("交办", today.assigned, before.assigned),
        _count_total("回复", today.replied, before.replied),
        _count_total("按期回复", today.replied_on_time, before.replied_on_time),
        _count_total("办结", today.closed, before.closed),
        _rate_total("满意率", today.satisfaction_rate, before.satisfaction_rate),
    ]


def _top_with_rest(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    rows = sorted((row for row in rows if row[1]), key=lambda row: -row[1])
    if len(rows) <= TOP_REGIONS + 1:
        return rows
    rest = sum(value for _name, value in rows[TOP_REGIONS:])
    return [*rows[:TOP_REGIONS], ("其他", rest)]


def _by_child_region(place: Region | None, day: date) -> tuple[list[tuple[str, int]], str]:
    """留言量 of the day by province (national) or by the region's children, top 10 and 其他. One query."""
    if place is None:
        children = Region.objects.filter(level=RegionLevel.PROVINCE)
        label = "省份"
    else:
        children = place.children.all()
        label = "区县" if place.level == RegionLevel.PREFECTURE else "下级地区"
    names = dict(children.values_list("code", "name"))
    counts = DailyCount.objects.filter(dimension=Dimension.REGION, key__in=list(names), day=day).values_list(
        "key", "received"
    )
    return _top_with_rest([(names[key], received) for key, received in counts]), label


def _campaign_breakdowns(camp: Campaign, start: datetime, end: datetime):
    """A campaign's day by province, level-1 domain and type, from its messages (no count table splits
    campaigns further). Three grouped queries."""
    day_messages = Message.objects.filter(campaign=camp, created_at__gte=start, created_at__lt=end).order_by()
    provinces = dict(Region.objects.filter(level=RegionLevel.PROVINCE).values_list("code", "name"))
    by_province: dict[str, int] = defaultdict(int)
    for code, count in day_messages.values_list("region_id").annotate(n=Count("pk")):
        by_province[provinces.get(code[:2] + "0000", "其他") if code else "其他"] += count
    parents = dict(Domain.objects.values_list("pk", "parent_id"))
    names = dict(Domain.objects.values_list("pk", "name"))

    def root(pk: int) -> int:
        while parents.get(pk):
            pk = parents[pk]
        return pk

    by_domain: dict[str, int] = defaultdict(int)
    for pk, count in day_messages.values_list("domain_id").annotate(n=Count("pk")):
        by_domain[names[root(pk)]] += count
    types = dict(MessageType.objects.values_list("pk", "name"))
    by_type = [
        (types[pk], count)
        for pk, count in day_messages.values_list("message_type_id").annotate(n=Count("pk"))
    ]
    return (
        _top_with_rest(list(by_province.items())),
        sorted(by_domain.items(), key=lambda row: -row[1]),
        sorted(by_type, key=lambda row: -row[1]),
    )


def _hot_topics(start: datetime, end: datetime, *, region: str, campaign: str) -> list[HotTopic]:
    found = hot_topics_between(start, end, region=region or None, campaign=campaign or None, top=5)
    return [
        HotTopic(
            topic.label,
            topic.message_count,
            topic.support_total,
            [mask_text(item.title) for item in topic.representatives[:2]],
        )
        for topic in found.topics
    ]


def _hours(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round(max((later - earlier).total_seconds(), 0) / 3600, 1)


def _case(
    message: Message, *, since: datetime | None = None, rating: float | None = None, note: str = ""
) -> Case:
    return Case(
        message.id,
        message.serial,
        mask_text(message.title),
        message.region.name if message.region_id else "—",
        message.unit.name if message.unit_id else "—",
        _hours(message.replied_at, since) if since is not None else None,
        rating,
        note,
    )


def _listed(messages):
    return messages.select_related("region", "unit").only(
        "id",
        "serial",
        "title",
        "region__name",
        "unit__name",
        "unit_id",
        "replied_at",
        "published_at",
        "assigned_at",
        "created_at",
        "reply_deadline",
    )


def _fast_cases(messages, start: datetime, end: datetime) -> list[Case]:
    """Replied that day within 24 hours of being assigned (or published, if never assigned), quickest
    first."""
    since = Coalesce("assigned_at", "published_at")
    rows = _listed(
        messages.filter(replied_at__gte=start, replied_at__lt=end)
        .alias(since=since)
        .filter(since__isnull=False, replied_at__lte=F("since") + timedelta(hours=FAST_HOURS))
        .order_by(F("replied_at") - F("since"), "id")
    )[:LIST_SIZE]
    return [_case(message, since=message.assigned_at or message.published_at) for message in rows]


def _well_rated(messages, start: datetime, end: datetime) -> list[Case]:
    """Rated that day with a mean of at least 4 (best first)."""
    ratings = (
        Rating.objects.filter(created_at__gte=start, created_at__lt=end, message__in=messages)
        .annotate(total=F("resolution") + F("attitude") + F("speed"))
        .filter(total__gte=SATISFIED_SUM)
        .order_by("-total", "created_at", "id")
        .values_list("message_id", "total")[: LIST_SIZE * 2]
    )
    best: dict[int, int] = {}
    for message_id, total in ratings:
        best.setdefault(message_id, total)
    found = {m.id: m for m in _listed(Message.objects.filter(pk__in=list(best)[:LIST_SIZE]))}
    return [
        _case(found[pk], since=found[pk].assigned_at or found[pk].published_at, rating=round(total / 3, 1))
        for pk, total in list(best.items())[:LIST_SIZE]
        if pk in found
    ]


def _overdue(messages, end: datetime) -> tuple[int, list[Case]]:
    """Past their reply deadline and not replied at the end of the day; the most overdue first.

    Counted and listed in two parts, each read from an index rather than by a scan of every message: those
    still unreplied (board's `message_unreplied_deadline`, in deadline order) and those replied only after
    the day."""
    due = messages.filter(reply_deadline__lt=end, published_at__lt=end)
    parts = [due.filter(replied_at__isnull=True), due.filter(replied_at__gte=end)]
    count = sum(part.count() for part in parts)
    rows = sorted(
        (message for part in parts for message in _listed(part.order_by("reply_deadline", "id"))[:LIST_SIZE]),
        key=lambda message: (message.reply_deadline, message.id),
    )[:LIST_SIZE]
    cases = []
    for message in rows:
        days = (end - message.reply_deadline).total_seconds() / 86400
        cases.append(_case(message, note=f"超期 {days:.1f} 天"))
    return count, cases


def _supervised(messages, start: datetime, end: datetime) -> tuple[int, list[Case]]:
    """Messages put under supervision (督办) that day."""
    ids = (
        Event.objects.filter(kind=EventKind.SUPERVISED, created_at__gte=start, created_at__lt=end)
        .values("message_id")
        .order_by()
    )
    supervised = messages.filter(pk__in=ids)
    count = supervised.count()
    rows = _listed(supervised.order_by("reply_deadline", "id"))[:LIST_SIZE]
    return count, [_case(message, note="督办") for message in rows]


def _instructions(messages, start: datetime, end: datetime) -> list[InstructionRow]:
    rows = (
        Instruction.objects.filter(created_at__gte=start, created_at__lt=end, message__in=messages)
        .select_related("leader__region", "message")
        .order_by("created_at", "id")[: LIST_SIZE * 2]
    )
    out = []
    for row in rows:
        text = mask_text(row.text)
        excerpt = text if len(text) <= EXCERPT else text[:EXCERPT] + "…"
        leader = row.leader.title
        if row.leader.region and not leader.startswith(row.leader.region.name):
            leader = f"{row.leader.region.name}{leader}"
        out.append(InstructionRow(leader, mask_text(row.message.title), row.message_id, excerpt))
    return out


# ---------------------------------------------------------------------------------------------------------
# Rendering


def brief_css() -> str:
    """The brief's stylesheet (screen and print), read from the static files."""
    return Path(finders.find(CSS_PATH)).read_text(encoding="utf-8")


def render_brief_html(brief: Brief, *, mode: str = "file", request=None) -> str:
    """The brief as one HTML document: `mode` "page" (the archive's page: links, the stylesheet linked,
    as the pages' CSP forbids inline styles), "file" (a file or an e-mail: the stylesheet inlined) or
    "pdf" (no stylesheet: WeasyPrint is handed it)."""
    return render_to_string(
        "web/briefs/brief.html",
        {"brief": brief, "mode": mode, "inline_css": brief_css() if mode == "file" else ""},
        request=request,
    )


def write_brief_pdf(brief: Brief, path: Path | str) -> Path:
    """Render the brief as an A4 PDF at `path` (written to a temporary file, then moved into place)."""
    from weasyprint import CSS, HTML  # heavy (Pango, fonts): loaded only when a PDF is written

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_brief_html(brief, mode="pdf")
    # Its own partial file: two requests for the same brief may render it at once.
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        partial, stylesheets=[CSS(string=brief_css())]
    )
    partial.replace(path)
    return path


def brief_pdf_path(day: date, region: str | None = None) -> Path:
    """Where the archive caches a day's PDF brief (VAR_DIR/briefs/)."""
    return Path(settings.VAR_DIR) / "briefs" / f"{day.isoformat()}-{region or 'national'}.pdf"


CACHE_MARGIN = timedelta(hours=2)
# The PDF of a day not yet settled is served up to this old (the brief's page is always current): rendering
# takes a second or more of CPU, and anyone may ask for today's.
UNSETTLED_MAX_AGE = timedelta(minutes=10)


def cached_brief_pdf(day: date, region: str | None = None, *, force: bool = False) -> Path:
    """The day's PDF brief from the disk cache, regenerated when forced, or when it was written before the
    day was over (plus a margin for late counts) and is more than UNSETTLED_MAX_AGE old."""
    path = brief_pdf_path(day, region)
    _start, end = day_bounds(day)
    if not force and path.exists():
        written = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.get_current_timezone())
        if written >= end + CACHE_MARGIN or timezone.now() - written < UNSETTLED_MAX_AGE:
            return path
    return write_brief_pdf(build_brief(day, region=region), path)
