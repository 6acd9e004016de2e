"""The statistics and rankings pages through the front door: their numbers are reports.stats' numbers, each
costs at most 30 queries, unknown codes answer a Chinese 404, bad dates fall back to the default period."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import campaigns as campaign_actions
from liuyan.board.choices import CampaignState, MessageState
from liuyan.directory.models import Leader, Region, Unit
from liuyan.reports import stats
from liuyan.web.forms import DATE_ERROR
from liuyan.web.presenters.figures import duration, percent
from tests.factories import make_message

pytestmark = pytest.mark.django_db

MAX_QUERIES = 30


@pytest.fixture
def campaign(admin_user):
    now = timezone.now()
    return campaign_actions.create_campaign(
        admin_user,
        title="我为家乡发展建言献策",
        slug="jianyan",
        description="欢迎就家乡发展提出意见建议。",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        state=CampaignState.OPEN,
    )


@pytest.fixture
def board(citizen, admin_user, campaign):
    """Eleven messages in 永德县 (云南省 › 临沧市), six of them answered, two in the campaign; one in 北京.
    The count tables are kept by the actions themselves."""
    for i in range(11):
        state = MessageState.REPLIED if i < 6 else MessageState.ASSIGNED
        extra = {"campaign_slug": campaign.slug} if i < 2 else {}
        make_message(citizen, admin_user, state, inside=True, title=f"第{i}号路口的红绿灯坏了", **extra)
    make_message(citizen, admin_user, MessageState.REPLIED, inside=False)


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def card(html: str, label: str) -> str:
    match = re.search(rf"<dt>{label}</dt><dd>(.*?)</dd>", html)
    assert match, label
    return match.group(1)


def last_30_days():
    today = timezone.localdate()
    return today - timedelta(days=29), today


def assert_cards_equal(html: str, figures: stats.Figures):
    assert card(html, "留言量") == str(figures.published)
    assert card(html, "回复量") == str(figures.replied)
    assert card(html, "回复率") == percent(figures.reply_rate)
    assert card(html, "平均回复用时") == duration(figures.avg_reply_hours)
    assert card(html, "按期回复率") == percent(figures.on_time_rate)
    assert card(html, "满意率") == percent(figures.satisfaction_rate)


def test_national_page_shows_the_figures_of_stats(client, board, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        html = page(client, "/stats/")
    figures = stats.figures(stats.national(), *last_30_days())
    assert figures.published == 12 and figures.replied == 7
    assert_cards_equal(html, figures)
    assert "近30天" in html
    # Charts: the trend, the ranking bars, two shares and the map, each drawn wide and narrow.
    assert html.count("<svg ") == 10
    assert "留言量按领域分布" in html and "各省份留言量分布" in html
    # 云南省 has enough messages to be ranked; 北京市 follows without a rank.
    yunnan = re.search(r'<td class="num">(\S+)</td>\s*<th scope="row"><a href="[^"]*">云南省</a>', html)
    beijing = re.search(r'<td class="num">(\S+)</td>\s*<th scope="row"><a href="[^"]*">北京市</a>', html)
    assert yunnan.group(1) == "1" and beijing.group(1) == "—"
    assert f"留言量不少于 {stats.MIN_VOLUME} 条的才参加排名" in html


def test_region_page_with_subtree_children_and_units(client, board, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        html = page(client, "/stats/regions/530000/?period=7")
    start = timezone.localdate() - timedelta(days=6)
    assert_cards_equal(html, stats.figures(stats.region_scope("530000"), start, timezone.localdate()))
    assert card(html, "留言量") == "11"
    assert '<span aria-current="page">云南省</span>' in html
    assert "各地市排行" in html and ">临沧市</a>" in html
    assert "办理单位排行" in html and ">临沧市教育局</a>" in html
    assert "云南省各地市留言量分布" in html
    # The children link on to their own statistics pages, keeping the period.
    assert 'href="/stats/regions/530900/?period=7' in html


def test_county_page_has_no_children_ranking(client, board, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        html = page(client, "/stats/regions/530923/")
    assert card(html, "留言量") == "11"
    assert "各区县排行" not in html and "各地市排行" not in html
    breadcrumb = re.search(r'<nav aria-label="位置" class="breadcrumb">(.*?)</nav>', html, re.S).group(1)
    assert [name for name in re.findall(r">([^<>\s]+)</(?:a|span)>", breadcrumb)] == [
        "全国",
        "云南省",
        "临沧市",
        "永德县",
    ]


def test_unit_leader_and_campaign_pages(client, board, campaign, django_assert_max_num_queries):
    leader = Leader.objects.get(code="530900-head")
    for url, scope in [
        ("/stats/units/530900-education/", stats.unit_scope("530900-education")),
        (f"/stats/leaders/{leader.code}/", stats.leader_scope(leader.code)),
        (f"/stats/campaigns/{campaign.slug}/", stats.campaign_scope(campaign.slug)),
    ]:
        with django_assert_max_num_queries(MAX_QUERIES):
            html = page(client, url)
        assert_cards_equal(html, stats.figures(scope, *last_30_days()))
        assert scope.name in html
    assert card(page(client, f"/stats/campaigns/{campaign.slug}/"), "留言量") == "2"


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/stats/regions/999999/", "没有这个行政区划。"),
        ("/stats/regions/abc/", "没有找到您要访问的页面。"),  # not a region code: no such address
        ("/stats/units/no-such-unit/", "没有这个办理单位。"),
        ("/stats/leaders/no-such-leader/", "没有这位领导。"),
        ("/stats/campaigns/no-such-campaign/", "没有这个专栏。"),
    ],
)
def test_unknown_codes_answer_404_in_chinese(client, db, url, text):
    assert text in page(client, url, status=404)


def test_draft_campaign_has_no_statistics_page(client, admin_user):
    now = timezone.now()
    campaign_actions.create_campaign(
        admin_user,
        title="草稿专栏",
        slug="draft",
        description="",
        opens_at=now,
        closes_at=now + timedelta(days=3),
        state=CampaignState.DRAFT,
    )
    page(client, "/stats/campaigns/draft/", status=404)


def test_bad_dates_show_the_error_and_use_the_default_period(client, board):
    html = page(client, "/stats/?period=custom&start=2024-13-01&end=yesterday")
    assert html.count(DATE_ERROR) == 2
    assert "近30天" in html
    assert card(html, "留言量") == "12"


def test_custom_period_and_grouping(client, board):
    today = timezone.localdate()
    start = today - timedelta(days=70)
    html = page(client, f"/stats/?period=custom&start={start:%Y-%m-%d}&end={today:%Y-%m-%d}&bucket=month")
    assert f"自定义（{start:%Y-%m-%d} 至 {today:%Y-%m-%d}，按月）" in html
    assert f"{today:%Y-%m}" in html  # a month's label on the trend
    assert card(html, "留言量") == "12"
    # A period before any message has no figures.
    html = page(client, "/stats/?period=custom&start=2020-01-01&end=2020-01-31")
    assert card(html, "留言量") == "0" and card(html, "回复率") == "—"
    assert "暂无数据" in html


def test_reversed_or_incomplete_custom_period_is_refused(client, board):
    html = page(client, "/stats/?period=custom&start=2024-03-01&end=2024-02-01")
    assert "开始日期不能晚于结束日期。" in html and "近30天" in html
    html = page(client, "/stats/?period=custom&start=2024-03-01")
    assert "自定义时间请填写开始和结束日期。" in html


@pytest.mark.parametrize(
    ("query", "heading", "member"),
    [
        ("", "各省份回复率排行", "云南省"),
        ("?tab=prefectures&region=530000&by=speed", "云南省各地市回复速度排行", "临沧市"),
        ("?tab=units&region=530900&by=satisfaction", "临沧市各办理单位满意率排行", "临沧市教育局"),
        ("?tab=units&region=530923", "永德县各办理单位回复率排行", "永德县教育局"),
    ],
)
def test_rankings_page(client, board, django_assert_max_num_queries, query, heading, member):
    with django_assert_max_num_queries(MAX_QUERIES):
        html = page(client, "/stats/rankings/" + query)
    assert heading in html
    assert f">{member}</a>" in html
    assert "才参加排名" in html


def test_rankings_prefecture_tab_defaults_to_the_busiest_province(client, board):
    html = page(client, "/stats/rankings/?tab=prefectures")
    assert "云南省各地市回复率排行" in html


def test_ranking_order_follows_stats(client, board):
    """The units of 临沧市 appear in the order and with the ranks that reports.stats gives."""
    region = Region.objects.get(pk="530900")
    rows = stats.rank_units(region, *last_30_days(), by="reply_rate")
    html = page(client, "/stats/rankings/?tab=units&region=530900")
    table = html[html.index('<table class="units stats-table ranking">') :]
    shown = re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a>', table)
    assert len(rows) > 100  # the ranked unit, then the others by volume; the page lists the first 100
    assert shown == [row.name for row in rows][:100]
    assert f"另有 {len(rows) - 100} 个留言较少的未列出" in html
    education = Unit.objects.get(code="530900-education")
    assert next(row for row in rows if row.code == education.code).rank == 1


def test_home_page_ranking_and_links_to_statistics(client, board, campaign):
    html = page(client, "/")
    assert "近 30 天回复率排行" in html
    assert re.search(
        r'<span class="rank">1</span><a href="/stats/regions/530000/\?period=30">云南省</a>', html
    )
    assert 'href="/stats/"' in html  # the navigation
    assert 'href="/stats/regions/530900/"' in page(client, "/regions/530900/")
    leader = Leader.objects.get(code="530900-head")
    assert f'href="/stats/leaders/{leader.code}/"' in page(client, f"/leaders/{leader.pk}/")
    assert f'href="/stats/campaigns/{campaign.slug}/"' in page(client, f"/campaigns/{campaign.slug}/")
