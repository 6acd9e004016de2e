"""Editing a campaign after it is created (campaigns.update_campaign): what may change, the refusals in
Chinese, and one CampaignChange row per change saying what changed; creating and opening or closing one
leave their rows too."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import campaigns
from liuyan.board.actions.base import Conflict, Forbidden, Invalid, NotFound
from liuyan.board.choices import CampaignChangeKind, CampaignState
from liuyan.board.models import Campaign, CampaignChange

pytestmark = pytest.mark.django_db

OPENS = timezone.now().replace(microsecond=0)
CLOSES = OPENS + timedelta(days=30)


@pytest.fixture
def campaign(editor):
    return campaigns.create_campaign(
        editor,
        title="我为家乡发展建言",
        slug="jia-xiang",
        opens_at=OPENS,
        closes_at=CLOSES,
        region_codes=["530900"],
        type_codes=["suggestion"],
        state=CampaignState.OPEN,
    )


def terms(**changes):
    values = {
        "title": "我为家乡发展建言",
        "description": "",
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "region_codes": ["530900"],
        "type_codes": ["suggestion"],
        "urgent_hours": None,
    }
    return {**values, **changes}


def test_creating_records_a_change(campaign, editor):
    change = CampaignChange.objects.get(campaign=campaign)
    assert (change.kind, change.actor, change.note) == (CampaignChangeKind.CREATED, editor, "状态：征集中")


def test_an_edit_changes_the_campaign_and_says_what_changed(campaign, editor):
    later = CLOSES + timedelta(days=7)

    change = campaigns.update_campaign(
        editor,
        "jia-xiang",
        **terms(
            closes_at=later,
            region_codes=["530900", "530923"],
            type_codes=["suggestion", "complaint"],
            urgent_hours=24,
        ),
    )

    campaign.refresh_from_db()
    assert campaign.closes_at == later and campaign.urgent_hours == 24
    assert sorted(campaign.regions.values_list("code", flat=True)) == ["530900", "530923"]
    assert sorted(campaign.allowed_types.values_list("code", flat=True)) == ["complaint", "suggestion"]
    assert change.kind == CampaignChangeKind.EDITED and change.actor == editor
    local = timezone.localtime
    assert f"结束时间：{local(CLOSES):%Y-%m-%d %H:%M} → {local(later):%Y-%m-%d %H:%M}" in change.note
    assert "适用地区：临沧市 → 临沧市、永德县" in change.note
    assert "紧急回复时限：不限 → 24 小时" in change.note
    assert "标题" not in change.note and "开始时间" not in change.note
    assert CampaignChange.objects.filter(campaign=campaign).count() == 2


def test_an_edit_changing_nothing_writes_no_row(campaign, editor):
    assert campaigns.update_campaign(editor, "jia-xiang", **terms()) is None
    assert CampaignChange.objects.filter(campaign=campaign).count() == 1


def test_clearing_the_places_makes_it_nationwide(campaign, editor):
    change = campaigns.update_campaign(editor, "jia-xiang", **terms(region_codes=[]))
    assert "适用地区：临沧市 → 全国" in change.note and not campaign.regions.exists()


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"closes_at": OPENS - timedelta(hours=1)}, "closes_at", "结束时间须晚于开始时间。"),
        ({"closes_at": OPENS}, "closes_at", "结束时间须晚于开始时间。"),
        ({"opens_at": None}, "closes_at", "结束时间须晚于开始时间。"),
        ({"region_codes": ["530900", "999999"]}, "region_codes", "没有这些行政区划：999999。"),
        ({"title": "  "}, "title", "专栏标题应为 2–80 个字。"),
        ({"title": None}, "title", "专栏标题应为 2–80 个字。"),
        ({"title": "长" * 81}, "title", "专栏标题应为 2–80 个字。"),
        ({"type_codes": ["no-such-type"]}, "type_codes", "有的留言类型不存在。"),
        ({"urgent_hours": 0}, "urgent_hours", "紧急回复时限应为 1–720 小时。"),
        ({"urgent_hours": 10**6}, "urgent_hours", "紧急回复时限应为 1–720 小时。"),
    ],
)
def test_bad_terms_are_refused_on_their_field_and_change_nothing(campaign, editor, changes, field, text):
    with pytest.raises(Invalid) as refused:
        campaigns.update_campaign(editor, "jia-xiang", **terms(**changes))
    assert refused.value.errors[field] == text
    campaign.refresh_from_db()
    assert campaign.title == "我为家乡发展建言" and campaign.closes_at == CLOSES
    assert list(campaign.regions.values_list("code", flat=True)) == ["530900"]
    assert CampaignChange.objects.filter(campaign=campaign).count() == 1


def test_only_editors_edit_and_a_missing_campaign_is_not_found(campaign, editor, dispatcher, leader):
    for user in (dispatcher, leader):
        with pytest.raises(Forbidden):
            campaigns.update_campaign(user, "jia-xiang", **terms(title="别人改的标题"))
    with pytest.raises(NotFound):
        campaigns.update_campaign(editor, "no-such-campaign", **terms())
    assert Campaign.objects.get(slug="jia-xiang").title == "我为家乡发展建言"


def test_a_state_change_is_recorded_and_the_same_state_refused(campaign, editor):
    campaigns.set_campaign_state(editor, "jia-xiang", CampaignState.CLOSED)

    change = CampaignChange.objects.filter(campaign=campaign).latest("id")
    assert (change.kind, change.note) == (CampaignChangeKind.STATE, "状态：征集中 → 已结束")
    with pytest.raises(Conflict, match="专栏已经是“已结束”。"):
        campaigns.set_campaign_state(editor, "jia-xiang", CampaignState.CLOSED)
    assert CampaignChange.objects.filter(campaign=campaign).count() == 2


def test_times_are_compared_to_the_minute_the_pages_show(editor):
    opens = timezone.now().replace(second=42, microsecond=123456)
    campaigns.create_campaign(
        editor, title="秒数不同的专栏", slug="seconds", opens_at=opens, closes_at=opens + timedelta(days=3)
    )
    typed = terms(
        title="秒数不同的专栏",
        opens_at=opens.replace(second=0, microsecond=0),
        closes_at=(opens + timedelta(days=3)).replace(second=0, microsecond=0),
        region_codes=[],
        type_codes=[],
    )
    assert campaigns.update_campaign(editor, "seconds", **typed) is None
    assert Campaign.objects.get(slug="seconds").opens_at == opens
