"""GET /api/v1/stats/...: figures with their trend, rankings, validation errors, and the query budget."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import feedback
from liuyan.board.choices import MessageState
from liuyan.directory.models import Leader, Unit
from liuyan.reports.models import DailyCount
from tests.api.openapi import assert_matches_openapi
from tests.factories import make_message

pytestmark = pytest.mark.django_db

START, END = date(2026, 3, 1), date(2026, 3, 31)
PERIOD = "from=2026-03-01&to=2026-03-31"


def count(dimension: str, key: str, day: date, **figures) -> DailyCount:
    return DailyCount.objects.create(dimension=dimension, key=key, day=day, **figures)


def get(client, path: str, template: str, status: int = 200) -> dict:
    response = client.get(path)
    body = assert_matches_openapi(response, "GET", template)
    assert response.status_code == status, body
    return body


def test_a_replied_and_rated_message_shows_in_its_region_leader_unit_and_the_nation(
    client, citizen, admin_user
):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    feedback.rate_message(citizen, message.pk, resolution=5, attitude=4, speed=4)
    leader = Leader.objects.get(pk=message.leader_id)
    unit = Unit.objects.get(pk=message.unit_id)
    for path, template in [
        ("/api/v1/stats/national", "/api/v1/stats/national"),
        ("/api/v1/stats/regions/530000", "/api/v1/stats/regions/{code}"),
        ("/api/v1/stats/regions/530923", "/api/v1/stats/regions/{code}"),
        (f"/api/v1/stats/leaders/{leader.code}", "/api/v1/stats/leaders/{code}"),
        (f"/api/v1/stats/units/{unit.code}", "/api/v1/stats/units/{code}"),
    ]:
        body = get(client, path, template)
        figures = body["figures"]
        assert (figures["published"], figures["replied"], figures["rated"], figures["satisfied"]) == (
            1,
            1,
            1,
            1,
        )
        assert figures["reply_rate"] == 1.0 and figures["on_time_rate"] == 1.0
        assert figures["satisfaction_rate"] == 1.0 and figures["avg_reply_hours"] >= 0
        today = timezone.localdate()
        assert body["period"] == {"start": (today - timedelta(days=29)).isoformat(), "end": today.isoformat()}
        assert body["group"] == "day" and len(body["trend"]) == 30
        assert body["trend"][-1]["published"] == 1
    elsewhere = get(client, "/api/v1/stats/regions/110000", "/api/v1/stats/regions/{code}")
    assert elsewhere["figures"]["published"] == 0 and elsewhere["figures"]["reply_rate"] is None


def test_figures_and_trend_by_week_and_month(client):
    count(
        "region", "530900", date(2026, 3, 1), published=4, replied=2, replied_on_time=1, response_seconds=7200
    )
    count(
        "region", "530900", date(2026, 3, 2), published=6, replied=3, replied_on_time=3, response_seconds=3600
    )
    count("region", "530900", date(2026, 4, 1), published=100)  # outside the period
    count("region", "530000", date(2026, 3, 2), published=50)  # another key
    body = get(client, f"/api/v1/stats/regions/530900?{PERIOD}&group=week", "/api/v1/stats/regions/{code}")
    figures = body["figures"]
    assert (figures["published"], figures["replied"], figures["replied_on_time"]) == (10, 5, 4)
    assert figures["reply_rate"] == 0.5 and figures["on_time_rate"] == 0.8
    assert figures["avg_reply_hours"] == 0.6  # 10800 s / 5 replies
    weeks = body["trend"]
    # 2026-03-01 is a Sunday: the first week is clipped to one day; Monday 2 March starts the next.
    assert [(w["start"], w["end"]) for w in weeks[:2]] == [
        ("2026-03-01", "2026-03-01"),
        ("2026-03-02", "2026-03-08"),
    ]
    assert [w["published"] for w in weeks] == [4, 6, 0, 0, 0, 0]  # to Tuesday 31 March
    monthly = get(
        client,
        "/api/v1/stats/regions/530900?from=2026-02-15&to=2026-04-10&group=month",
        "/api/v1/stats/regions/{code}",
    )
    assert [(m["start"], m["end"], m["published"]) for m in monthly["trend"]] == [
        ("2026-02-15", "2026-02-28", 0),
        ("2026-03-01", "2026-03-31", 10),
        ("2026-04-01", "2026-04-10", 100),
    ]


def test_reply_rate_is_capped_when_earlier_messages_are_answered(client):
    count("national", "", date(2026, 3, 5), published=2, replied=5, replied_on_time=5)
    body = get(client, f"/api/v1/stats/national?{PERIOD}", "/api/v1/stats/national")
    assert body["figures"]["reply_rate"] == 1.0


def test_overdue_unanswered_messages_count_against_the_on_time_rate_once_their_day_is_over(client):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    count("region", "530900", yesterday, published=4, replied=3, replied_on_time=3, overdue=1)
    count("region", "530900", today, overdue=2)  # due today: not overdue before the day ends
    template = "/api/v1/stats/regions/{code}"
    body = get(client, f"/api/v1/stats/regions/530900?from={yesterday}&to={today}", template)
    assert (body["figures"]["overdue"], body["figures"]["replied_on_time"]) == (1, 3)
    assert body["figures"]["on_time_rate"] == 0.75  # 3 on time of 3 replied + 1 overdue
    assert [point["overdue"] for point in body["trend"]] == [1, 0]
    path = f"/api/v1/stats/rankings/regions/530000?from={yesterday}&to={today}"
    rows = get(client, path, "/api/v1/stats/rankings/regions/{code}")["rows"]
    lincang = next(row for row in rows if row["code"] == "530900")
    assert (lincang["overdue"], lincang["on_time_rate"]) == (1, 0.75)


def test_province_ranking_orders_by_rate_and_leaves_small_samples_unranked(client):
    day = date(2026, 3, 10)
    count(
        "region", "530000", day, published=20, replied=18, rated=10, satisfied=9, response_seconds=18 * 3600
    )
    count(
        "region", "110000", day, published=40, replied=20, rated=10, satisfied=5, response_seconds=20 * 7200
    )
    count("region", "440000", day, published=10, replied=5, rated=2, satisfied=2, response_seconds=5 * 1800)
    count("region", "310000", day, published=9, replied=9)  # below the minimum volume
    body = get(
        client, f"/api/v1/stats/rankings/provinces?{PERIOD}&limit=5", "/api/v1/stats/rankings/provinces"
    )
    assert body["by"] == "reply_rate" and body["min_volume"] == 10 and body["scope"] is None
    rows = body["rows"]
    assert [(r["code"], r["rank"]) for r in rows[:3]] == [("530000", 1), ("110000", 2), ("440000", 2)]
    assert rows[2]["reply_rate"] == rows[1]["reply_rate"] == 0.5
    assert (rows[3]["code"], rows[3]["rank"]) == ("310000", None)
    assert len(rows) == 5 and rows[4]["rank"] is None and rows[4]["published"] == 0

    speed = get(
        client, f"/api/v1/stats/rankings/provinces?{PERIOD}&by=speed", "/api/v1/stats/rankings/provinces"
    )
    assert [r["code"] for r in speed["rows"][:2]] == ["530000", "110000"]  # 1 h, then 2 h; 440000 too few
    assert speed["rows"][2]["rank"] is None
    satisfaction = get(
        client,
        f"/api/v1/stats/rankings/provinces?{PERIOD}&by=satisfaction",
        "/api/v1/stats/rankings/provinces",
    )
    assert [(r["code"], r["rank"]) for r in satisfaction["rows"][:2]] == [("530000", 1), ("110000", 2)]
    volume = get(
        client, f"/api/v1/stats/rankings/provinces?{PERIOD}&by=volume", "/api/v1/stats/rankings/provinces"
    )
    assert [r["code"] for r in volume["rows"][:4]] == ["110000", "530000", "440000", "310000"]
    assert len(volume["rows"]) == 20  # the default limit; all 31+ provinces take part


def test_children_and_unit_rankings(client):
    day = date(2026, 3, 10)
    count("region", "530900", day, published=10, replied=10)
    count("region", "530100", day, published=10, replied=5)
    housing, education = Unit.objects.get(code="530923-housing"), Unit.objects.get(code="530900-education")
    count("unit", str(housing.pk), day, published=12, replied=12)
    count("unit", str(education.pk), day, published=10, replied=6)
    count("unit", str(Unit.objects.get(code="110105-education").pk), day, published=99, replied=99)

    children = get(
        client, f"/api/v1/stats/rankings/regions/530000?{PERIOD}", "/api/v1/stats/rankings/regions/{code}"
    )
    assert children["scope"] == {"kind": "region", "code": "530000", "name": "云南省"}
    assert [(r["code"], r["rank"]) for r in children["rows"][:2]] == [("530900", 1), ("530100", 2)]
    assert all(r["code"].startswith("53") and r["code"] != "530000" for r in children["rows"])

    units = get(
        client,
        f"/api/v1/stats/rankings/regions/530900/units?{PERIOD}&limit=100",
        "/api/v1/stats/rankings/regions/{code}/units",
    )
    codes = [r["code"] for r in units["rows"]]
    assert codes[:2] == ["530923-housing", "530900-education"]
    assert "110105-education" not in codes and not any(code.endswith("-desk") for code in codes)


@pytest.mark.parametrize(
    ("path", "template", "status", "code"),
    [
        ("/api/v1/stats/regions/999999", "/api/v1/stats/regions/{code}", 404, "not_found"),
        ("/api/v1/stats/leaders/nobody", "/api/v1/stats/leaders/{code}", 404, "not_found"),
        ("/api/v1/stats/units/nothing", "/api/v1/stats/units/{code}", 404, "not_found"),
        ("/api/v1/stats/campaigns/none", "/api/v1/stats/campaigns/{slug}", 404, "not_found"),
        ("/api/v1/stats/rankings/regions/999999", "/api/v1/stats/rankings/regions/{code}", 404, "not_found"),
        ("/api/v1/stats/national?from=2026-02-30", "/api/v1/stats/national", 400, "bad_date"),
        ("/api/v1/stats/national?to=yesterday", "/api/v1/stats/national", 400, "bad_date"),
        ("/api/v1/stats/national?from=2026-03-05&to=2026-03-01", "/api/v1/stats/national", 400, "bad_period"),
        ("/api/v1/stats/national?from=2020-01-01&to=2026-03-01", "/api/v1/stats/national", 400, "bad_period"),
        ("/api/v1/stats/national?group=year", "/api/v1/stats/national", 400, "bad_group"),
        ("/api/v1/stats/rankings/provinces?by=name", "/api/v1/stats/rankings/provinces", 400, "bad_order"),
        ("/api/v1/stats/rankings/provinces?limit=0", "/api/v1/stats/rankings/provinces", 400, "bad_limit"),
        (
            "/api/v1/stats/rankings/provinces?limit=many",
            "/api/v1/stats/rankings/provinces",
            422,
            "validation_error",
        ),
    ],
)
def test_bad_requests_answer_a_structured_error(client, path, template, status, code):
    body = get(client, path, template, status)
    assert body["error"]["code"] == code and body["error"]["message"]


def test_a_long_period_by_month_is_allowed(client):
    body = get(
        client, "/api/v1/stats/national?from=2020-01-01&to=2026-03-01&group=month", "/api/v1/stats/national"
    )
    assert len(body["trend"]) == 75


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/stats/national?from=2025-03-01&to=2026-03-01",
        "/api/v1/stats/regions/530000?from=2025-03-01&to=2026-03-01&group=week",
        "/api/v1/stats/leaders/530900-head",
        "/api/v1/stats/units/530900-education?group=month",
        "/api/v1/stats/rankings/provinces?by=speed",
        "/api/v1/stats/rankings/regions/530000",
        "/api/v1/stats/rankings/regions/530000/units?by=satisfaction&limit=100",
    ],
)
def test_each_endpoint_stays_within_its_query_budget(client, django_assert_max_num_queries, path):
    day = timezone.localdate()
    count("national", "", day, published=3)
    count("region", "530000", day, published=3)
    with django_assert_max_num_queries(30):
        response = client.get(path)
    assert response.status_code == 200
