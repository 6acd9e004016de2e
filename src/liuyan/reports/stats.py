"""Statistics and rankings (统计与排行), read from the count tables only: the one reading API for the
statistics pages, the daily brief and `GET /api/v1/stats/...`.

The figures and their definitions (留言量, 回复率, 按期回复率, 平均回复用时, 满意率…) are in
reports/figures.py; this module names the scopes, and reads a scope's trend, the rankings of its members
and its breakdowns.

Rankings (排行) order provinces, the children of a region, or the units within a region by reply rate,
speed (shortest average first), satisfaction or volume. The real platform does not rank a body on a
handful of messages, and neither do we: a member enters a rate ranking only with at least `MIN_VOLUME`
messages behind the rate (published for reply rate, replied for speed, rated for satisfaction). The others
follow without a rank, by volume. Equal values share a rank (1, 2, 2, 4).

Every function here costs a handful of queries, whatever the period and the number of messages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import CharField, Count
from django.db.models.functions import Cast
from django.utils import timezone

from liuyan.board.models import Campaign, Message
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Domain, Leader, MessageType, Region, Unit
from liuyan.reports.choices import Bucket, Dimension, RankBy
from liuyan.reports.counts import splits_by_domain_and_type
from liuyan.reports.figures import Figures, Scope, of_row, sums
from liuyan.reports.figures import figures as figures  # the statistics pages' readers take them from here
from liuyan.reports.figures import national as national
from liuyan.reports.figures import rows as _rows
from liuyan.reports.models import METRICS, RANKED

MIN_VOLUME = 10


def region_scope(code: str) -> Scope | None:
    region = Region.objects.filter(pk=code).only("code", "name").first()
    return Scope(Dimension.REGION, region.code, region.name, (region.code,)) if region else None


def unit_scope(code: str) -> Scope | None:
    unit = Unit.objects.filter(code=code).only("pk", "code", "name").first()
    return Scope(Dimension.UNIT, unit.code, unit.name, (str(unit.pk),)) if unit else None


def leader_scope(code: str) -> Scope | None:
    leader = Leader.objects.filter(code=code).select_related("region").first()
    if leader is None:
        return None
    name = f"{leader.region.name}{leader.title}" if leader.region else leader.title
    return Scope(Dimension.LEADER, leader.code, name, (str(leader.pk),))


def department_scope(code: str) -> Scope | None:
    """A central department's figures: those of the messages addressed to its leaders (部委留言板)."""
    department = Unit.objects.filter(code=code, kind=UnitKind.CENTRAL).only("pk", "code", "name").first()
    if department is None:
        return None
    leader_ids = Leader.objects.filter(department=department).order_by("pk").values_list("pk", flat=True)
    return Scope(Dimension.LEADER, department.code, department.name, tuple(str(pk) for pk in leader_ids))


def campaign_scope(slug: str) -> Scope | None:
    campaign = Campaign.objects.filter(slug=slug).only("pk", "slug", "title").first()
    return Scope(Dimension.CAMPAIGN, campaign.slug, campaign.title, (str(campaign.pk),)) if campaign else None


def _domain_subtrees() -> dict[int, tuple[str, list[int]]]:
    """Each domain's name and the ids of its subtree (itself included)."""
    domains = list(Domain.objects.values_list("pk", "parent_id", "name"))
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent, _name in domains:
        children[parent].append(pk)

    def subtree(pk: int) -> list[int]:
        return [pk, *(d for child in children[pk] for d in subtree(child))]

    return {pk: (name, subtree(pk)) for pk, _parent, name in domains}


def domain_scope(domain_id: int) -> Scope | None:
    subtrees = _domain_subtrees()
    if domain_id not in subtrees:
        return None
    name, ids = subtrees[domain_id]
    return Scope(Dimension.DOMAIN, str(domain_id), name, tuple(str(pk) for pk in ids))


@dataclass(frozen=True)
class TrendPoint:
    """One bucket (a day, a week from Monday, a calendar month) of a trend, clipped to the period."""

    start: date
    end: date
    figures: Figures


def bucket_start(day: date, bucket: str) -> date:
    if bucket == Bucket.WEEK:
        return day - timedelta(days=day.weekday())
    if bucket == Bucket.MONTH:
        return day.replace(day=1)
    return day


def _next_bucket(first: date, bucket: str) -> date:
    if bucket == Bucket.WEEK:
        return first + timedelta(days=7)
    if bucket == Bucket.MONTH:
        return (first + timedelta(days=32)).replace(day=1)
    return first + timedelta(days=1)


def trend(scope: Scope, start: date, end: date, bucket: str = Bucket.DAY) -> list[TrendPoint]:
    """The scope's figures bucket by bucket, every bucket of the period present (zeros where none).
    One query: the period's daily rows are summed into buckets here."""
    if bucket not in Bucket.values:
        raise ValueError(f"unknown bucket {bucket!r}")
    by_bucket: dict[date, Figures] = defaultdict(Figures)
    today = timezone.localdate()
    daily = (
        _rows(scope.kind, scope.keys, start, end).values("day").annotate(**sums(today)).order_by()
        if len(scope.keys) > 1
        else _rows(scope.kind, scope.keys, start, end).values("day", *METRICS)
    )
    for row in daily:
        first = bucket_start(row["day"], bucket)
        by_bucket[first] = by_bucket[first] + of_row(row, today)
    points = []
    first = bucket_start(start, bucket)
    while first <= end:
        following = _next_bucket(first, bucket)
        last = min(following - timedelta(days=1), end)
        points.append(TrendPoint(max(first, start), last, by_bucket.get(first, Figures())))
        first = following
    return points


@dataclass(frozen=True)
class RankingRow:
    """One member of a ranking with its figures (those a ranking shows: models.RANKED; the others are 0);
    `rank` is None below the minimum volume."""

    rank: int | None
    code: str
    name: str
    figures: Figures


# What each order ranks on, whether smaller is better, and the count the minimum volume applies to.
RANK_RULES = {
    RankBy.REPLY_RATE: (lambda f: f.reply_rate, False, "published"),
    RankBy.SPEED: (lambda f: f.avg_reply_hours, True, "replied"),
    RankBy.SATISFACTION: (lambda f: f.satisfaction_rate, False, "rated"),
    RankBy.VOLUME: (lambda f: f.published, False, None),
}


def _rank(
    dimension: str,
    members: dict[str, tuple[str, str]],
    start: date,
    end: date,
    by: str,
    limit: int | None,
    keys=None,
) -> list[RankingRow]:
    """Rank `members` (count-table key → (code, name)) by `by`. One query; `keys`, a subquery giving the
    members' keys, stands for a long list of them in it."""
    if by not in RANK_RULES:
        raise ValueError(f"unknown ranking order {by!r}")
    value_of, ascending, volume_field = RANK_RULES[by]
    rows = _rows(dimension, members if keys is None else keys, start, end)
    # The figures a ranking shows only: for units they are read from an index alone (models.RANKED).
    ranked_sums = {name: total for name, total in sums().items() if name in RANKED}
    summed = {row["key"]: Figures.of(row) for row in rows.values("key").annotate(**ranked_sums).order_by()}
    entries = [(key, summed.get(key, Figures())) for key in members]
    ranked = [
        (key, fig)
        for key, fig in entries
        if volume_field is None or (getattr(fig, volume_field) >= MIN_VOLUME and value_of(fig) is not None)
    ]
    ranked_keys = {key for key, _fig in ranked}
    ranked.sort(
        key=lambda item: (
            value_of(item[1]) if ascending else -value_of(item[1]),
            -item[1].published,
            members[item[0]][0],
        )
    )
    rows: list[RankingRow] = []
    previous, rank = None, 0
    for position, (key, fig) in enumerate(ranked, start=1):
        value = value_of(fig)
        if value != previous:
            rank, previous = position, value
        rows.append(RankingRow(rank, *members[key], fig))
    rest = sorted(
        ((key, fig) for key, fig in entries if key not in ranked_keys),
        key=lambda item: (-item[1].published, members[item[0]][0]),
    )
    rows += [RankingRow(None, *members[key], fig) for key, fig in rest]
    return rows[:limit] if limit else rows


def rank_provinces(start: date, end: date, by: str = RankBy.REPLY_RATE, limit: int | None = None):
    """Every province (省级), ranked."""
    members = {
        code: (code, name)
        for code, name in Region.objects.filter(level=RegionLevel.PROVINCE).values_list("code", "name")
    }
    return _rank(Dimension.REGION, members, start, end, by, limit)


def rank_children(
    region: Region, start: date, end: date, by: str = RankBy.REPLY_RATE, limit: int | None = None
):
    """The regions directly under `region` (a province's prefectures, a prefecture's counties), ranked."""
    members = {code: (code, name) for code, name in region.children.values_list("code", "name")}
    return _rank(Dimension.REGION, members, start, end, by, limit)


def rank_units(region: Region, start: date, end: date, by: str = RankBy.REPLY_RATE, limit: int | None = None):
    """The handling units of `region` and its subtree (dispatch desks hold no messages), ranked.

    A province has thousands of units: their count rows are picked by a subquery over the units, not by a
    list of thousands of keys, which PostgreSQL took longer to plan (50 ms for Yunnan's 3,082) than to run
    and the driver to bind."""
    units = Unit.objects.filter(region__path__startswith=region.path).exclude(kind=UnitKind.DISPATCH_DESK)
    members = {str(pk): (code, name) for pk, code, name in units.values_list("pk", "code", "name")}
    keys = units.annotate(key=Cast("pk", CharField())).values("key")
    return _rank(Dimension.UNIT, members, start, end, by, limit, keys=keys)


@dataclass(frozen=True)
class Share:
    """One part of a breakdown: a level-1 domain or a message type, with its figures."""

    id: int
    name: str
    figures: Figures


def breakdown(scope: Scope, start: date, end: date, by: str = "domain") -> list[Share]:
    """The national or a region's figures split by level-1 domain (`by="domain"`, children summed into
    their root) or by message type (`by="type"`), largest first. Two queries."""
    if scope.kind not in (Dimension.NATIONAL, Dimension.REGION) or by not in ("domain", "type"):
        raise ValueError("breakdowns are by domain or type, of the nation or a region")
    if by == "domain":
        subtrees = _domain_subtrees()
        roots = Domain.objects.filter(parent=None).values_list("pk", "name")
        part_of = {member: root for root, _name in roots for member in subtrees[root][1]}
        names = dict(roots)
    else:
        names = dict(MessageType.objects.values_list("pk", "name"))
        part_of = {pk: pk for pk in names}
    if scope.kind == Dimension.REGION and not splits_by_domain_and_type(scope.code):
        field = "domain_id" if by == "domain" else "message_type_id"
        totals = _county_breakdown(scope.code, start, end, field)
        merged: dict[int, Figures] = defaultdict(Figures)
        for member, figures_of_member in totals.items():
            merged[part_of[member]] = merged[part_of[member]] + figures_of_member
        shares = [Share(pk, names[pk], merged.get(pk, Figures())) for pk in names]
        return sorted(shares, key=lambda share: (-share.figures.published, share.id))
    if scope.kind == Dimension.NATIONAL:
        dimension = Dimension.DOMAIN if by == "domain" else Dimension.TYPE
        prefix = ""
    else:
        dimension = Dimension.REGION_DOMAIN if by == "domain" else Dimension.REGION_TYPE
        prefix = f"{scope.code}:"
    rows = (
        _rows(dimension, [f"{prefix}{member}" for member in part_of], start, end)
        .values("key")
        .annotate(**sums())
        .order_by()
    )
    totals: dict[int, Figures] = defaultdict(Figures)
    for row in rows:
        root = part_of[int(row["key"].removeprefix(prefix))]
        totals[root] = totals[root] + Figures.of(row)
    shares = [Share(pk, names[pk], totals.get(pk, Figures())) for pk in names]
    return sorted(shares, key=lambda share: (-share.figures.published, share.id))


def _county_breakdown(code: str, start: date, end: date, field: str) -> dict[int, Figures]:
    """A county's messages received and published in the period, by domain or type: counties have no
    split count rows (counts.splits_by_domain_and_type), and a county's days hold few messages. Two
    indexed queries over its messages."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, datetime.min.time(), tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    here = Message.objects.filter(region_id=code)
    totals: dict[int, dict[str, int]] = defaultdict(dict)
    for figure, at in (("received", "created_at"), ("published", "published_at")):
        rows = here.filter(**{f"{at}__gte": since, f"{at}__lt": until}).values(field).annotate(n=Count("pk"))
        for row in rows.order_by():
            totals[row[field]][figure] = row["n"]
    return {member: Figures.of(values) for member, values in totals.items()}
