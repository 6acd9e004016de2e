"""Editors' campaigns on the workbench: the list, creating one (errors next to their fields, nothing typed
lost) and opening or closing it; others get 403."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.choices import CampaignState
from liuyan.board.models import Campaign
from tests.factories import make_message

pytestmark = pytest.mark.django_db

OPENS = (timezone.localtime() - timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
CLOSES = OPENS + timedelta(days=30, hours=10)
VALID = {
    "title": "我为家乡发展建言",
    "slug": "jia-xiang-jian-yan",
    "description": "欢迎网友为家乡发展建言献策。",
    "opens_at": f"{OPENS:%Y-%m-%dT%H:%M}",
    "closes_at": f"{CLOSES:%Y-%m-%dT%H:%M}",
    "region_codes": "530900，530923",
    "type_codes": ["suggestion"],
    "urgent_hours": "",
    "state": "open",
}


@pytest.mark.parametrize("role", ["citizen", "dispatcher", "handler", "leader"])
def test_only_editors_manage_campaigns(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/workbench/campaigns/").status_code == 403
    assert client.get("/workbench/campaigns/new/").status_code == 403
    assert client.post("/workbench/campaigns/new/", VALID).status_code == 403
    assert not Campaign.objects.filter(slug=VALID["slug"]).exists()


def test_anonymous_visitor_is_sent_to_log_in(client):
    assert client.get("/workbench/campaigns/")["Location"].startswith("/accounts/login/")


def test_create_a_campaign(client, editor):
    client.force_login(editor)
    response = client.post("/workbench/campaigns/new/", VALID, follow=True)
    assert "专栏“我为家乡发展建言”已创建。" in response.content.decode()
    campaign = Campaign.objects.get(slug="jia-xiang-jian-yan")
    assert campaign.state == CampaignState.OPEN and campaign.created_by == editor
    assert sorted(campaign.regions.values_list("code", flat=True)) == ["530900", "530923"]
    assert list(campaign.allowed_types.values_list("code", flat=True)) == ["suggestion"]
    assert timezone.localtime(campaign.opens_at) == OPENS  # typed in Beijing time


def test_errors_are_shown_next_to_their_fields_and_nothing_is_lost(client, editor):
    client.force_login(editor)
    before = OPENS - timedelta(days=1)
    data = {**VALID, "closes_at": f"{before:%Y-%m-%dT%H:%M}", "region_codes": "530900 5309", "title": "征"}
    response = client.post("/workbench/campaigns/new/", data)
    assert response.status_code == 422
    html = response.content.decode()
    assert '<p class="error" id="campaign-title_error">专栏标题应为 2–80 个字。</p>' in html
    assert '<p class="error" id="campaign-closes_at_error">结束时间须晚于开始时间。</p>' in html
    assert '<p class="error" id="campaign-region_codes_error">行政区划代码应为六位数字：5309。</p>' in html
    assert 'value="530900 5309"' in html and "欢迎网友为家乡发展建言献策。" in html
    assert 'value="suggestion" id="campaign-type_codes_0" checked' in html
    assert not Campaign.objects.filter(slug=VALID["slug"]).exists()


def test_the_actions_refusal_is_shown_next_to_its_field(client, editor):
    client.force_login(editor)
    response = client.post("/workbench/campaigns/new/", {**VALID, "region_codes": "530900 999999"})
    assert response.status_code == 422
    html = response.content.decode()
    assert '<p class="error" id="campaign-region_codes_error">有的行政区划代码不存在。</p>' in html
    assert f'value="{VALID["title"]}"' in html
    assert not Campaign.objects.filter(slug=VALID["slug"]).exists()


def test_missing_fields_are_reported_in_chinese(client, editor):
    client.force_login(editor)
    response = client.post("/workbench/campaigns/new/", {"state": "draft"})
    html = response.content.decode()
    for text in ("请填写专栏标题。", "请填写网址标识。", "请填写开始时间。", "请填写结束时间。"):
        assert text in html


def test_a_taken_slug_is_an_error_on_the_slug(client, editor):
    client.force_login(editor)
    client.post("/workbench/campaigns/new/", VALID)
    response = client.post("/workbench/campaigns/new/", {**VALID, "title": "另一个专栏"})
    assert response.status_code == 422
    assert "网址标识“jia-xiang-jian-yan”已被其他专栏使用。" in response.content.decode()


def test_open_and_close_a_campaign(client, editor):
    client.force_login(editor)
    client.post("/workbench/campaigns/new/", {**VALID, "state": "draft"})
    html = client.get("/workbench/campaigns/").content.decode()
    assert "我为家乡发展建言" in html and 'name="state" value="open"' in html
    response = client.post(f"/workbench/campaigns/{VALID['slug']}/state/", {"state": "open"}, follow=True)
    assert "已设为“征集中”" in response.content.decode()
    assert Campaign.objects.get(slug=VALID["slug"]).state == CampaignState.OPEN
    client.post(f"/workbench/campaigns/{VALID['slug']}/state/", {"state": "closed"})
    assert Campaign.objects.get(slug=VALID["slug"]).state == CampaignState.CLOSED


def test_unknown_campaign_is_404_and_state_change_needs_an_editor(client, editor, dispatcher):
    client.force_login(editor)
    assert client.post("/workbench/campaigns/none/state/", {"state": "open"}).status_code == 404
    client.post("/workbench/campaigns/new/", {**VALID, "state": "draft"})
    client.force_login(dispatcher)
    assert client.post(f"/workbench/campaigns/{VALID['slug']}/state/", {"state": "open"}).status_code == 403
    assert Campaign.objects.get(slug=VALID["slug"]).state == CampaignState.DRAFT


def test_campaign_list_counts_messages_within_thirty_queries(client, editor, citizen, admin_user,
                                                             django_assert_max_num_queries):  # fmt: skip
    client.force_login(editor)
    for n in range(25):
        client.post("/workbench/campaigns/new/", {**VALID, "slug": f"campaign-{n}", "title": f"专栏{n}"})
    campaign = Campaign.objects.get(slug="campaign-0")
    for _ in range(3):
        make_message(citizen, admin_user, campaign_slug=campaign.slug, message_type="suggestion")
    with django_assert_max_num_queries(30):
        response = client.get("/workbench/campaigns/")
    assert response.status_code == 200 and len(response.context["page"].object_list) == 20
    assert "第 1 / 2 页" in response.content.decode()
