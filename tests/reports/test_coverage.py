"""Coverage (入驻): the share of places of each level on the board (a leader to write to whose desk is active,
and active units of their own), and of those the share answering within 90 days; per province; the page
/stats/coverage/, GET /api/v1/stats/coverage and the home page's headline."""

import pytest
from django.utils import timezone

from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Leader, Region, Unit
from liuyan.reports.coverage import LEVELS, compute, coverage
from tests.api.openapi import assert_matches_openapi
from tests.townships import DEDANG, YONGKANG, answered_in, township

pytestmark = pytest.mark.django_db


def onboarded_codes(level: str, within: str = "") -> set[str]:
    """The places of `level` (whose code starts with `within`) on the board, by the definition, one region at
    a time: what compute() counts with flat reads."""
    codes = set()
    for region in Region.objects.filter(active=True, level=level, code__startswith=within):
        writable = Leader.objects.filter(region=region, active=True, desk__active=True).exists()
        handled = Unit.objects.filter(
            region=region,
            active=True,
            kind__in=[UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT, UnitKind.DEPARTMENT],
        ).exists()
        if writable and handled:
            codes.add(region.code)
    return codes


def test_each_level_counts_the_places_on_the_board():
    figures = coverage()

    for row in figures.levels:
        assert row.places == Region.objects.filter(active=True, level=row.level).count()
    for level in [RegionLevel.PROVINCE, RegionLevel.PREFECTURE]:
        assert figures.level(level).onboarded == len(onboarded_codes(level))
    yunnan = next(province for province in figures.provinces if province.code == "530000")
    for level, row in zip(LEVELS, yunnan.levels, strict=True):
        assert row.places == Region.objects.filter(active=True, level=level, code__startswith="53").count()
        if level != RegionLevel.TOWNSHIP:  # some 1,400 in Yunnan: checked on one county below
            assert row.onboarded == len(onboarded_codes(level, "53"))
    assert figures.level(RegionLevel.PREFECTURE).onboarded_rate > 0.9
    assert figures.level(RegionLevel.COUNTY).replying == 0  # no message answered yet


def test_a_county_without_an_active_desk_or_units_is_not_on_board_nor_are_its_townships():
    dedang = township(*DEDANG)
    before = compute(timezone.localdate())

    Unit.objects.filter(region_id="530923", kind=UnitKind.DISPATCH_DESK).update(active=False)
    Unit.objects.filter(
        region_id="530902", kind__in=[UnitKind.GOVERNMENT, UnitKind.DEPARTMENT, UnitKind.PARTY_COMMITTEE]
    ).update(active=False)
    after = compute(before.as_of)

    for level, lost in [
        (RegionLevel.COUNTY, 2),
        (RegionLevel.TOWNSHIP, Region.objects.filter(parent_id="530923", active=True).count()),
    ]:
        assert before.level(level).onboarded - after.level(level).onboarded == lost
    assert dedang.code not in onboarded_codes(RegionLevel.TOWNSHIP, "530923")


def test_a_township_answering_counts_as_replying_for_its_level_and_province(citizen, admin_user):
    dedang = township(*DEDANG)
    township(*YONGKANG)
    answered_in(dedang, citizen, admin_user)

    figures = compute(timezone.localdate())

    assert figures.level(RegionLevel.TOWNSHIP).replying == 1
    assert (
        figures.level(RegionLevel.COUNTY).replying == 0
    )  # the township's government answered, not the county's
    yunnan = next(province for province in figures.provinces if province.code == "530000")
    assert [row.replying for row in yunnan.levels] == [0, 0, 0, 1]
    beijing = next(province for province in figures.provinces if province.code == "110000")
    assert all(row.replying == 0 for row in beijing.levels)


def test_the_api_page_and_home_page_show_the_same_figures(
    client, citizen, admin_user, django_assert_max_num_queries
):
    answered_in(township(*DEDANG), citizen, admin_user)
    figures = coverage()

    response = client.get("/api/v1/stats/coverage")
    body = assert_matches_openapi(response, "GET", "/api/v1/stats/coverage")
    page = client.get("/stats/coverage/")
    home = client.get("/")

    assert response.status_code == 200
    counties = next(row for row in body["levels"] if row["level"] == "county")
    assert counties["places"] == figures.level(RegionLevel.COUNTY).places
    assert counties["onboarded"] == figures.level(RegionLevel.COUNTY).onboarded
    assert next(row for row in body["levels"] if row["level"] == "township")["replying"] == 1
    assert {province["code"] for province in body["provinces"]} >= {"110000", "530000", "650000"}
    html = page.content.decode()
    assert (
        page.status_code == 200 and "入驻情况" in html and "<svg" in html and "各省份已入驻的县乡数" in html
    )
    assert 'href="/regions/530000/"' in html
    home_html = home.content.decode()
    assert "入驻情况：" in home_html and 'href="/stats/coverage/"' in home_html
    assert [row.label for row in home.context["coverage"]][:3] == ["省级", "地级", "县级"]
    # The home page reads the kept copy: once computed, it costs the home page no query.
    with django_assert_max_num_queries(4):
        client.get("/")


def test_the_home_page_never_computes_coverage_but_asks_the_periodic_task(client):
    from django_tasks_db.models import DBTaskResult

    from liuyan.reports.tasks import warm_coverage

    first = client.get("/")
    again = client.get("/")

    assert "入驻情况：" not in first.content.decode() and first.context["coverage"] == []
    assert DBTaskResult.objects.filter(task_path__endswith="warm_coverage").count() == 1  # asked once
    assert again.status_code == 200

    assert warm_coverage.call() == sum(row.places for row in coverage().levels)
    assert "入驻情况：" in client.get("/").content.decode()
