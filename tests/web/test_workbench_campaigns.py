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
    assert '<p class="error" id="campaign-region_codes_error">没有这些行政区划：999999。</p>' in html
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
    # 结束征集 asks first: the list's button leads to a confirmation page, whose button ends it.
    asked = client.post(f"/workbench/campaigns/{VALID['slug']}/state/", {"state": "closed"})
    assert asked.status_code == 200 and "确定结束“我为家乡发展建言”的征集吗？" in asked.content.decode()
    assert Campaign.objects.get(slug=VALID["slug"]).state == CampaignState.OPEN
    client.post(f"/workbench/campaigns/{VALID['slug']}/state/", {"state": "closed", "confirmed": "on"})
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


# ---- Editing a campaign, its region picker and the confirmation of 结束征集 ----


@pytest.fixture
def campaign(client, editor):
    client.force_login(editor)
    client.post("/workbench/campaigns/new/", VALID)
    return Campaign.objects.get(slug=VALID["slug"])


def edit_data(**changes):
    data = {key: value for key, value in VALID.items() if key not in ("slug", "state", "region_codes")}
    return {**data, "regions": ["530900", "530923"], **changes}


def test_the_edit_page_shows_the_campaign_as_it_is(client, campaign):
    html = client.get(f"/workbench/campaigns/{campaign.slug}/edit/").content.decode()
    assert "修改专栏" in html and f'value="{VALID["title"]}"' in html
    assert f'value="{OPENS:%Y-%m-%dT%H:%M}"' in html  # Beijing time, as typed
    # The chosen places are ticked by name; the address and the state are not edited here.
    assert 'name="regions" value="530900" checked> 云南省 临沧市' in html
    assert 'name="regions" value="530923" checked> 云南省 临沧市 永德县' in html
    assert 'name="slug"' not in html and 'name="state"' not in html
    assert "创建专栏" in html  # the change history


def test_an_edit_is_saved_and_recorded(client, campaign):
    later = CLOSES + timedelta(days=10)
    data = edit_data(closes_at=f"{later:%Y-%m-%dT%H:%M}", regions=["530900"], urgent_hours="24")

    response = client.post(f"/workbench/campaigns/{campaign.slug}/edit/", data, follow=True)

    html = response.content.decode()
    assert "已保存" in html and "适用地区：临沧市、永德县 → 临沧市" in html
    campaign.refresh_from_db()
    assert timezone.localtime(campaign.closes_at) == later and campaign.urgent_hours == 24
    assert list(campaign.regions.values_list("code", flat=True)) == ["530900"]
    history = client.get(f"/workbench/campaigns/{campaign.slug}/edit/").content.decode()
    assert "修改专栏" in history and "紧急回复时限：不限 → 24 小时" in history


def test_finding_places_by_name_offers_the_city_and_its_counties_and_saves_nothing(client, campaign):
    data = edit_data(title="改了但还没保存", regions=["530923"], region_q="临沧", find_regions="1")

    response = client.post(f"/workbench/campaigns/{campaign.slug}/edit/", data)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="regions" value="530923" checked>' in html  # kept ticked
    assert 'name="regions" value="530900"> 云南省 临沧市' in html  # found, to tick
    assert "云南省 临沧市 沧源佤族自治县" in html and "云南省 临沧市 凤庆县" in html
    assert 'value="改了但还没保存"' in html and "请按提示修改" not in html
    campaign.refresh_from_db()
    assert campaign.title == VALID["title"] and campaign.changes.count() == 1


def test_the_pickers_script_gets_the_places_found(client, campaign):
    html = client.get("/workbench/campaigns/regions/", {"region_q": "临沧"}).content.decode()
    assert 'value="530900"> 云南省 临沧市' in html and "永德县" in html
    assert (
        "没有找到名称含“冥王星”的地区。"
        in client.get("/workbench/campaigns/regions/", {"region_q": "冥王星"}).content.decode()
    )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"closes_at": f"{OPENS - timedelta(days=1):%Y-%m-%dT%H:%M}"}, "结束时间须晚于开始时间。"),
        ({"regions": ["530900", "999999"]}, "没有这些行政区划：999999。"),
        ({"regions": ["临沧市"]}, "请从查找结果中勾选地区。"),
        ({"region_codes": "53\x0000"}, ""),
        ({"title": ""}, "请填写专栏标题。"),
        ({"urgent_hours": "二十四"}, "请输入整数小时数。"),
        ({"opens_at": "2026-02-30T08:00"}, "请输入有效的时间。"),
    ],
)
def test_hostile_edits_are_refused_in_chinese_and_change_nothing(client, campaign, changes, error):
    response = client.post(f"/workbench/campaigns/{campaign.slug}/edit/", edit_data(**changes))
    assert response.status_code == 422
    assert error in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.title == VALID["title"] and campaign.changes.count() == 1


def test_editing_needs_an_editor_and_an_existing_campaign(client, campaign, dispatcher, leader):
    assert client.get("/workbench/campaigns/no-such/edit/").status_code == 404
    for user in (dispatcher, leader):
        client.force_login(user)
        assert client.get(f"/workbench/campaigns/{campaign.slug}/edit/").status_code == 403
        assert (
            client.post(f"/workbench/campaigns/{campaign.slug}/edit/", edit_data(title="越权")).status_code
            == 403
        )
        assert client.get("/workbench/campaigns/regions/", {"region_q": "临沧"}).status_code == 403
    campaign.refresh_from_db()
    assert campaign.title == VALID["title"]


def test_ending_a_campaign_asks_first_and_can_be_called_off(client, campaign):
    assert 'value="closed">结束征集…</button>' in client.get("/workbench/campaigns/").content.decode()

    asked = client.post(f"/workbench/campaigns/{campaign.slug}/state/", {"state": "closed"})

    html = asked.content.decode()
    assert "已收到的 0 条留言照常办理" in html and 'name="confirmed" value="on"' in html
    assert 'href="/workbench/campaigns/">返回，不结束</a>' in html
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.OPEN and campaign.changes.count() == 1
    done = client.post(
        f"/workbench/campaigns/{campaign.slug}/state/", {"state": "closed", "confirmed": "on"}, follow=True
    )
    assert "已设为“已结束”" in done.content.decode()
    assert campaign.changes.latest("id").note == "状态：征集中 → 已结束"


@pytest.mark.parametrize("query", ["\x00", "临沧\x00", "x" * 10_000, "%", "_", "' or 1=1 --", "５３０９"])
def test_hostile_place_searches_answer_a_page(client, campaign, query):
    response = client.get("/workbench/campaigns/regions/", {"region_q": query})
    assert response.status_code == 200
    found = client.post(
        f"/workbench/campaigns/{campaign.slug}/edit/", edit_data(region_q=query, find_regions="1")
    )
    assert found.status_code == 200
    assert 'name="regions" value="530900" checked' in found.content.decode()
