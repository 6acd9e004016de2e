"""Coverage (入驻): how many places of each level are on the board, and how many of those answer.

A place is on the board (已入驻) when a citizen can write to one of its leaders and a desk receives the
message (an active leader whose desk is active: a township's leaders are dispatched by its county's desk)
and it has an active unit of its own to handle messages (party committee, government or department). Of
those, a place answers (近期有回复) when one of its units had a reply made public within the last
REPLY_WINDOW_DAYS days, read from the units' count rows. The figures are computed for the whole directory at
once, in three grouped queries, and kept for CACHE_SECONDS: the home page shows the headline from that copy.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import CharField, Count, Exists, OuterRef
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Leader, Region, Unit
from liuyan.reports.choices import Dimension
from liuyan.reports.models import DailyCount

REPLY_WINDOW_DAYS = 90
CACHE_SECONDS = 600
LEVELS = [RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY, RegionLevel.TOWNSHIP]
HANDLING_KINDS = [UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT, UnitKind.DEPARTMENT]


@dataclass(frozen=True)
class LevelCoverage:
    """One level's places (in the nation or a province): how many, on the board, answering lately."""

    level: str
    places: int
    onboarded: int
    replying: int

    @property
    def label(self) -> str:
        return RegionLevel(self.level).label

    @property
    def onboarded_rate(self) -> float | None:
        return self.onboarded / self.places if self.places else None

    @property
    def replying_rate(self) -> float | None:
        """The share of the places on the board that answered within the window."""
        return self.replying / self.onboarded if self.onboarded else None


@dataclass(frozen=True)
class ProvinceCoverage:
    code: str
    name: str
    longitude: float | None
    latitude: float | None
    levels: list[LevelCoverage]


@dataclass(frozen=True)
class Coverage:
    """The directory's coverage on `as_of`, replies counted from `since` (inclusive)."""

    as_of: date
    since: date
    levels: list[LevelCoverage]
    provinces: list[ProvinceCoverage]

    def level(self, level: str) -> LevelCoverage:
        return next(row for row in self.levels if row.level == level)


def coverage(today: date | None = None) -> Coverage:
    """The coverage of the whole directory, computed at most once every CACHE_SECONDS."""
    today = today or timezone.localdate()
    return cache.get_or_set(f"liuyan:coverage:{today:%Y%m%d}", lambda: compute(today), CACHE_SECONDS)


def compute(today: date) -> Coverage:
    """Three grouped counts over the current regions, by province and level."""
    since = today - timedelta(days=REPLY_WINDOW_DAYS - 1)
    desk_for_leaders = Exists(Leader.objects.filter(region=OuterRef("pk"), active=True, desk__active=True))
    own_units = Unit.objects.filter(region=OuterRef("pk"), active=True, kind__in=HANDLING_KINDS)
    recent_replies = DailyCount.objects.filter(
        dimension=Dimension.UNIT,
        key=Cast(OuterRef("pk"), CharField()),
        day__gte=since,
        day__lte=today,
        replied__gt=0,
    )
    regions = Region.objects.filter(active=True)
    onboarded = regions.filter(desk_for_leaders, Exists(own_units))
    replying = onboarded.filter(Exists(own_units.filter(Exists(recent_replies))))
    counts = [_grouped(queryset) for queryset in (regions, onboarded, replying)]
    provinces = Region.objects.filter(level=RegionLevel.PROVINCE, active=True).order_by("code")
    by_province = [
        ProvinceCoverage(
            province.code,
            province.name,
            None if province.longitude is None else float(province.longitude),
            None if province.latitude is None else float(province.latitude),
            [_level(counts, level, province.code[:2]) for level in LEVELS],
        )
        for province in provinces
    ]
    return Coverage(today, since, [_level(counts, level, None) for level in LEVELS], by_province)


def _grouped(queryset) -> dict[tuple[str, str], int]:
    rows = (
        queryset.annotate(province=Substr("code", 1, 2))
        .values("province", "level")
        .annotate(n=Count("pk"))
        .values_list("province", "level", "n")
        .order_by()
    )
    return {(province, level): n for province, level, n in rows}


def _level(counts: list[dict[tuple[str, str], int]], level: str, province: str | None) -> LevelCoverage:
    def total(grouped: dict[tuple[str, str], int]) -> int:
        return sum(
            n for (prefix, of_level), n in grouped.items() if of_level == level and province in (None, prefix)
        )

    places, onboarded, replying = (total(grouped) for grouped in counts)
    return LevelCoverage(level, places, onboarded, replying)
