"""Coverage (入驻): how many places of each level are on the board, and how many of those answer.

A place is on the board (已入驻) when a citizen can write to one of its leaders and a desk receives the
message (an active leader whose desk is active: a township's leaders are dispatched by its county's desk)
and it has an active unit of its own to handle messages (party committee, government or department). Of
those, a place answers (近期有回复) when one of its units had a reply made public within the last
REPLY_WINDOW_DAYS days, read from the units' count rows. The figures are computed for the whole directory at
once by the periodic task (liuyan run_periodic) and kept: the home page shows the headline from that copy and
never computes it.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import BigIntegerField
from django.db.models.functions import Cast
from django.utils import timezone

from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Leader, Region, Unit
from liuyan.reports.choices import Dimension
from liuyan.reports.models import DailyCount

REPLY_WINDOW_DAYS = 90
# The periodic task refreshes the copy every run (15 minutes in the suggested cron); it is kept longer so
# that a late run leaves the pages their figures.
CACHE_SECONDS = 2 * 3600
WARM_REQUEST_SECONDS = 600
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


CACHE_KEY = "liuyan:coverage"


def coverage(*, refresh: bool = False) -> Coverage:
    """The coverage of the whole directory: the copy kept (computed again once it is a day old, or when
    `refresh`), computed now when none is kept."""
    today = timezone.localdate()
    kept = None if refresh else cache.get(CACHE_KEY)
    if kept is None or kept.as_of != today:
        kept = compute(today)
        cache.set(CACHE_KEY, kept, CACHE_SECONDS)
    return kept


def kept_coverage() -> Coverage | None:
    """The copy kept by `coverage()`, for a page that must not wait for it: None when there is none, and the
    periodic task is then asked for it (once in WARM_REQUEST_SECONDS)."""
    kept = cache.get(CACHE_KEY)
    if kept is None and cache.add("liuyan:coverage:warm-requested", 1, WARM_REQUEST_SECONDS):
        # tasks.py imports this module for the work its task does.
        from liuyan.reports.tasks import warm_coverage

        warm_coverage.enqueue()
    return kept


def compute(today: date) -> Coverage:
    """Four flat reads (the current regions; the places with a leader to write to, with handling units, with
    a unit that replied lately), tallied here by province and level."""
    since = today - timedelta(days=REPLY_WINDOW_DAYS - 1)
    writable = set(
        Leader.objects.filter(active=True, desk__active=True, region__isnull=False)
        .order_by()  # no ordering fields in the DISTINCT
        .values_list("region_id", flat=True)
        .distinct()
    )
    units = Unit.objects.filter(active=True, kind__in=HANDLING_KINDS, region__isnull=False)
    handled = set(units.order_by().values_list("region_id", flat=True).distinct())
    replied_units = (
        DailyCount.objects.filter(dimension=Dimension.UNIT, day__gte=since, day__lte=today, replied__gt=0)
        .annotate(unit=Cast("key", BigIntegerField()))
        .values("unit")
    )
    replying = set(
        units.filter(pk__in=replied_units).order_by().values_list("region_id", flat=True).distinct()
    )
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for code, level in (
        Region.objects.filter(active=True).values_list("code", "level").iterator(chunk_size=5000)
    ):
        row = tally[(code[:2], level)]
        row[0] += 1
        if code in writable and code in handled:
            row[1] += 1
            row[2] += code in replying
    provinces = Region.objects.filter(level=RegionLevel.PROVINCE, active=True).order_by("code")
    by_province = [
        ProvinceCoverage(
            province.code,
            province.name,
            None if province.longitude is None else float(province.longitude),
            None if province.latitude is None else float(province.latitude),
            [_level(tally, level, province.code[:2]) for level in LEVELS],
        )
        for province in provinces
    ]
    return Coverage(today, since, [_level(tally, level, None) for level in LEVELS], by_province)


def _level(tally: dict[tuple[str, str], list[int]], level: str, province: str | None) -> LevelCoverage:
    rows = [
        row for (prefix, of_level), row in tally.items() if of_level == level and province in (None, prefix)
    ]
    return LevelCoverage(level, *(sum(row[i] for row in rows) for i in range(3)))
