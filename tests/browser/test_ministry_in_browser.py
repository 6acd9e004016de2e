"""A ministry board (部委留言板) by clicking: a citizen opens the post form, chooses
中国证券监督管理委员会 as the 部委 (its leaders appear in 留言对象 without a page load), writes to its
主席 naming no place, and submits; once published, the staff of that ministry's desk find the message in
their 待交办 queue, and the desk of a region does not."""

import io
import re

import pytest
from django.core.management import call_command
from PIL import Image

from liuyan.board.actions import moderation
from liuyan.board.models import Message
from liuyan.directory.models import Leader
from tests.browser.test_lifecycle_in_browser import sign_in
from tests.conftest import make_user, unit

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "上市公司长期拖延信息披露"
BODY = "某上市公司连续两个季度推迟披露定期报告，投资者无从了解经营情况，请证监会督促其依法披露并查处。"


def test_a_citizen_writes_to_a_ministry_leader_and_its_desk_sees_it(
    live, new_page, screens, settings, tmp_path
):
    make_user("citizen", "citizen")
    staff = make_user("operator", "admin")
    make_user("csrc-desk", "dispatcher", unit=unit("central-csrc-desk"))
    make_user("dispatcher", "dispatcher", unit=unit("530900-desk"))
    # The head's name, date of office and photo, as an operator imports them.
    settings.MEDIA_ROOT = tmp_path / "media"
    Image.new("RGB", (90, 120), (70, 90, 140)).save(tmp_path / "head.png")
    (tmp_path / "leaders.csv").write_text(
        "代码,职务,姓名,任职时间,照片\ncsrc,中国证券监督管理委员会主席,吴清,2024-02-07,head.png\n",
        encoding="utf-8",
    )
    call_command("import_leaders", str(tmp_path / "leaders.csv"), stdout=io.StringIO())
    head = Leader.objects.get(code="central-csrc-head")

    page = new_page()
    sign_in(page, live, "citizen")
    page.goto(live + "/ministries/")
    page.get_by_role("link", name="中国证券监督管理委员会").click()
    page.wait_for_url(re.compile(r"/ministries/central-csrc/$"))
    assert "中国证券监督管理委员会主席" in page.locator(".leaders").inner_text()
    screens.shot(page, "ministry-page")
    page.get_by_role("link", name="中国证券监督管理委员会主席 吴清").click()
    page.wait_for_url(re.compile(rf"/leaders/{head.pk}/$"))
    assert page.locator("img.leader-photo").evaluate("img => img.naturalWidth") == 90
    assert "任职时间：2024年2月" in page.locator("main").inner_text()
    screens.shot(page, "leader-page-with-photo")

    page.goto(live + "/post/")
    page.get_by_label("给中央部门（部委）留言").select_option(label="中国证券监督管理委员会")
    leader = page.get_by_label("留言对象")
    leader.locator("optgroup[label='中国证券监督管理委员会'] option").first.wait_for(state="attached")
    leader.select_option(label="中国证券监督管理委员会主席吴清")
    page.get_by_label("留言类型").select_option(label="投诉")
    page.get_by_label("领域").select_option(label="金融")
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("留言内容").fill(BODY)
    screens.shot(page, "post-form-ministry-chosen")
    # The first submission of the server process loads the word segmenter's dictionary: allow it time.
    with page.expect_navigation(url=re.compile(r"/post/\?submitted="), timeout=90_000):
        page.locator("button.primary", has_text="提交留言").click(no_wait_after=True)
    message = Message.objects.get(title=TITLE)
    assert (message.leader_id, message.region_id) == (head.pk, None)
    assert message.desk.code == "central-csrc-desk"
    screens.shot(page, "submitted")

    moderation.publish_message(staff, message.id)

    desk = new_page(width=1400, height=1000)
    sign_in(desk, live, "csrc-desk")
    desk.goto(live + "/workbench/queues/desk_incoming/")
    row = desk.locator("table.wb-table tbody tr", has_text=TITLE)
    assert row.count() == 1
    assert "共 1 条" in desk.locator("#queue-heading").inner_text()
    screens.shot(desk, "ministry-desk-queue")
    row.get_by_role("link", name=TITLE).click()
    desk.wait_for_url(re.compile(rf"/workbench/messages/{message.id}/"))
    assert "未涉及具体地区" in desk.locator("main").inner_text()
    screens.shot(desk, "ministry-desk-message")

    other = new_page()
    sign_in(other, live, "dispatcher")
    other.goto(live + "/workbench/queues/desk_incoming/")
    assert TITLE not in other.locator("main").inner_text()
