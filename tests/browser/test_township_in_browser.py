"""A township board by clicking: a citizen finds 德党镇 by typing part of its name in the post form's search
box (the cascade fills 云南省 › 临沧市 › 永德县 › 德党镇 without a page load, the township's leaders first in
留言对象), writes to its head and submits; once published, the staff of 永德县's desk, which dispatches the
township's messages, find it in their 待交办 queue. The county and township pages and the coverage page are
looked at on the way."""

import re

import pytest

from liuyan.board.actions import moderation
from liuyan.board.models import Message
from liuyan.directory.models import Leader
from tests.browser.test_lifecycle_in_browser import sign_in
from tests.conftest import make_user, unit
from tests.townships import DEDANG, township

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "德党镇集市路段路灯长期不亮"
BODY = "德党镇集市旁的路段路灯已经坏了两个多月，晚上赶集回家的群众出行很不安全，希望镇里尽快安排维修。"


def test_a_citizen_writes_to_a_township_leader_and_the_county_desk_sees_it(live, new_page, screens):
    dedang = township(*DEDANG)
    head = Leader.objects.filter(region=dedang, active=True).order_by("order", "id").last()
    make_user("citizen", "citizen")
    staff = make_user("operator", "admin")
    make_user("yongde-desk", "dispatcher", unit=unit("530923-desk"))

    page = new_page()
    page.goto(live + "/regions/530923/")
    page.get_by_role("link", name="德党镇").click()
    page.wait_for_url(re.compile(r"/regions/530923100/$"))
    assert head.title in page.locator(".leaders").inner_text()
    assert "永德县留言办理工作机构" in page.locator("main").inner_text()
    screens.shot(page, "township-page")

    sign_in(page, live, "citizen")
    page.goto(live + "/post/")
    page.get_by_label("按名称查找地区").fill("德党")
    found = page.locator("[data-place-found] button", has_text="德党镇")
    found.first.wait_for()
    assert "云南省 临沧市 永德县 德党镇" in found.first.inner_text()
    screens.shot(page, "post-form-place-found")
    found.first.click()
    leader = page.get_by_label("留言对象")
    leader.locator("optgroup[label='德党镇'] option").first.wait_for(state="attached")
    assert page.get_by_label("乡（镇、街道）").input_value() == "530923100"
    assert page.get_by_label("县（市、区、旗）").input_value() == "530923"
    groups = leader.locator("optgroup").evaluate_all("groups => groups.map(g => g.label)")
    assert groups[:2] == ["德党镇", "永德县"]
    leader.select_option(str(head.pk))
    page.get_by_label("留言类型").select_option(label="投诉")
    page.get_by_label("领域").select_option(label="城建")
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("留言内容").fill(BODY)
    screens.shot(page, "post-form-township-chosen")
    # The first submission of the server process loads the word segmenter's dictionary: allow it time.
    with page.expect_navigation(url=re.compile(r"/post/\?submitted="), timeout=90_000):
        page.locator("button.primary", has_text="提交留言").click(no_wait_after=True)
    message = Message.objects.get(title=TITLE)
    assert (message.leader_id, message.region_id) == (head.pk, "530923100")
    assert message.desk.code == "530923-desk"
    screens.shot(page, "submitted")

    moderation.publish_message(staff, message.id)

    desk = new_page(width=1400, height=1000)
    sign_in(desk, live, "yongde-desk")
    desk.goto(live + "/workbench/queues/desk_incoming/")
    row = desk.locator("table.wb-table tbody tr", has_text=TITLE)
    assert row.count() == 1
    screens.shot(desk, "county-desk-queue")
    row.get_by_role("link", name=TITLE).click()
    desk.wait_for_url(re.compile(rf"/workbench/messages/{message.id}/"))
    assert "德党镇" in desk.locator("main").inner_text()
    screens.shot(desk, "county-desk-message")

    visitor = new_page()
    visitor.goto(live + "/stats/coverage/")
    assert "入驻情况" in visitor.locator("h1").inner_text()
    assert visitor.locator("svg.chart").count() >= 1
    screens.shot(visitor, "coverage-page")
    visitor.goto(live + "/")
    assert "入驻情况：" in visitor.locator(".coverage-headline").inner_text()
    screens.shot(visitor, "home")
