"""Coverage (入驻) as the pages show it: the home page's headline, the table of levels and provinces, and the
map of /stats/coverage/ (reports/coverage.py computes the figures)."""

import math
from dataclasses import dataclass

from liuyan.directory.choices import RegionLevel
from liuyan.reports import charts
from liuyan.reports.coverage import Coverage, LevelCoverage, kept_coverage
from liuyan.web.presenters.stats import NARROW, Chart


def share(part: int, whole: int) -> str:
    """A share to one decimal, rounded down so that an incomplete coverage never reads 100%; — of nothing."""
    if not whole:
        return "—"
    return f"{math.floor(part * 1000 / whole) / 10:.1f}".removesuffix(".0") + "%"


@dataclass(frozen=True)
class Cell:
    """One level's coverage, formatted."""

    level: LevelCoverage

    @property
    def onboarded(self) -> str:
        return share(self.level.onboarded, self.level.places)

    @property
    def replying(self) -> str:
        return share(self.level.replying, self.level.onboarded)


@dataclass(frozen=True)
class Headline:
    label: str
    onboarded: str


def headline() -> list[Headline]:
    """The home page's line: the share of each level's places on the board (地级 100%，县级 99.2% …), from
    the kept figures (none until the periodic task has computed them)."""
    figures = kept_coverage()
    return (
        [Headline(row.label, Cell(row).onboarded) for row in figures.levels if row.places] if figures else []
    )


def coverage_map(figures: Coverage) -> Chart:
    """Each province as a bubble of its counties and townships on the board."""
    local = [RegionLevel.COUNTY, RegionLevel.TOWNSHIP]
    points = [
        (
            province.name,
            province.longitude,
            province.latitude,
            sum(row.onboarded for row in province.levels if row.level in local),
        )
        for province in figures.provinces
    ]
    title = "各省份已入驻的县乡数"
    return Chart(
        charts.region_map(points, title=title, width=960, height=600),
        charts.region_map(points, title=title, width=NARROW, height=320),
    )
