"""An editor's tools, by clicking and typing: marking a message 跟踪督办 on its handling page and finding it
with its progress in the 跟踪留言 queue; editing a campaign, choosing places by typing a name (the
script's live search, then ticking), and ending it after the confirmation page. And a returned message as
its desk reads it: back at the desk, with the return's reason, no stale deadline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import campaigns, dispatch
from liuyan.board.choices import CampaignChangeKind, CampaignState, EventKind, MessageState
from liuyan.board.models import Campaign, EditorMark, Event
from tests.browser.test_lifecycle_in_browser import flash, sign_in
from tests.conftest import make_user, unit
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_editor_tracks_a_message_and_edits_a_campaign(live, new_page, screens):
    editor = make_user("editor", "editor")
    citizen = make_user("liuyang", "citizen")
    admin = make_user("operator", "admin")
    message = make_message(citizen, admin, MessageState.IN_PROGRESS, title="老旧小区加装电梯进展缓慢")
    make_message(citizen, admin, MessageState.PUBLISHED, title="农村公路破损严重")
    now = timezone.now()
    campaigns.create_campaign(
        editor,
        title="我为家乡发展建言",
        slug="jia-xiang",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        region_codes=["530923"],
        state=CampaignState.OPEN,
    )

    page = new_page()
    sign_in(page, live, "editor")
    page.goto(live + f"/workbench/messages/{message.id}/")
    marks = page.locator("#marks")
    marks.get_by_label("跟踪督办").check()
    marks.get_by_label("标记说明").fill("群众反映强烈，跟踪到底")
    marks.get_by_role("button", name="标记").click()
    assert "已将留言标记为跟踪督办" in flash(page)
    assert Event.objects.filter(message=message, kind=EventKind.MARKED, actor=editor).count() == 1
    page.locator("#marks").scroll_into_view_if_needed()
    screens.shot(page, "handling-page-marked")
    visitor = new_page()  # the public page, as anyone reads it: no staff-only mark
    visitor.goto(live + f"/messages/{message.id}/")
    timeline = visitor.locator("ol.timeline").inner_text()
    assert "审核刊发 留言板编辑" in timeline and "交办 临沧市留言办理工作机构 → 临沧市教育局" in timeline
    assert "编辑标记" not in timeline and "群众反映强烈" not in timeline
    screens.shot(visitor, "public-page-timeline")

    page.get_by_role("link", name="工作台").first.click()
    page.get_by_role("link", name="跟踪留言").click()
    page.wait_for_url("**/workbench/queues/tracked/")
    row = page.locator("table.wb-tracked tbody tr")
    assert row.count() == 1
    text = row.inner_text()
    assert "老旧小区加装电梯进展缓慢" in text and "群众反映强烈，跟踪到底" in text and "临沧市教育局" in text
    assert "办理中" in text and "未回复" in text
    screens.shot(page, "tracked-queue")

    page.goto(live + "/workbench/campaigns/")
    page.get_by_role("link", name="修改").click()
    page.wait_for_url("**/workbench/campaigns/jia-xiang/edit/")
    search = page.get_by_label("按名称查找地区")
    search.fill("临沧")  # the script fetches the places found as one types
    found = page.locator("#campaign-regions-found")
    found.get_by_label("云南省 临沧市 沧源佤族自治县", exact=False).wait_for()
    city = found.get_by_label("云南省 临沧市 530900", exact=True)  # a place's label: its names, its code
    assert city.count() == 1
    city.check()
    page.get_by_label("紧急回复时限（小时）").fill("24")
    screens.shot(page, "campaign-editor-region-search")
    page.get_by_role("button", name="保存修改").click()
    assert "已保存" in flash(page) and "永德县 → 临沧市、永德县" in flash(page)
    campaign = Campaign.objects.get(slug="jia-xiang")
    assert sorted(campaign.regions.values_list("code", flat=True)) == ["530900", "530923"]
    assert campaign.urgent_hours == 24

    page.get_by_role("button", name="结束征集…").click()
    assert "确定结束“我为家乡发展建言”的征集吗？" in page.locator("main").inner_text()
    screens.shot(page, "campaign-close-confirmation")
    assert Campaign.objects.get(slug="jia-xiang").state == CampaignState.OPEN
    page.get_by_role("button", name="确定结束征集").click()
    assert "已设为“已结束”" in flash(page)
    kinds = list(campaign.changes.order_by("id").values_list("kind", flat=True))
    assert kinds == [CampaignChangeKind.CREATED, CampaignChangeKind.EDITED, CampaignChangeKind.STATE]
    edited = campaign.changes.get(kind=CampaignChangeKind.EDITED).note
    assert "开始时间" not in edited and "结束时间" not in edited  # the window was shown and sent unchanged
    page.goto(live + "/workbench/campaigns/jia-xiang/edit/")
    screens.shot(page, "campaign-editor-history")
    assert EditorMark.objects.filter(cleared_at=None).count() == 1


def test_a_returned_message_reads_as_back_at_the_desk(live, new_page, screens):
    citizen = make_user("liuyang", "citizen")
    admin = make_user("operator", "admin")
    make_user("dispatcher", "dispatcher", unit=unit("530900-desk"))
    handler = make_user("handler", "handler", unit=unit("530900-education"))
    message = make_message(citizen, admin, MessageState.ASSIGNED, title="小区地下车库渗水")
    dispatch.return_message(handler, message.id, "车库渗水属于住建部门职责，请改交住建局。")

    page = new_page()
    sign_in(page, live, "dispatcher")
    page.goto(live + f"/workbench/messages/{message.id}/")
    facts = page.locator("dl.wb-facts").inner_text()
    assert "已退回，待重新交办" in facts and "车库渗水属于住建部门职责" in facts
    assert "尚未交办" not in facts and "交办时间" not in facts and "时限" not in facts
    screens.shot(page, "returned-handling-page")
