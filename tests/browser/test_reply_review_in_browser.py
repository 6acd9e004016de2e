"""The editor reviewing replies sees the reply-quality score and its reasons: in the 待审核回复 queue beside
each reply, and on the handling page of the message, for a substantive reply and for a bare transfer."""

import re

import pytest

from liuyan.board.actions import replies
from liuyan.board.choices import MessageState
from tests.browser.test_lifecycle_in_browser import sign_in
from tests.conftest import make_user
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "南屏小区门口垃圾站臭气熏天"
BODY = (
    "南屏小区门口的垃圾站每天堆满生活垃圾，清运不及时，夏天臭气熏天，附近居民不敢开窗。"
    "物业说归环卫管，环卫说归物业管。请问垃圾站能否做封闭改造？什么时候能增加清运次数？"
)
SUBSTANTIVE = (
    "网友您好！您的留言已收悉。现将调查处理情况答复如下：经调查核实，南屏小区垃圾站由临翔区环卫所负责清运，"
    "原每日清运一次，夏季垃圾量增加后确有滞留。7月3日，区城管局已约谈环卫所和物业公司，明确垃圾站内由物业"
    "保洁、清运由环卫所负责，已自7月5日起改为每日早晚各清运一次，并每天冲洗消杀。垃圾站封闭改造已列入"
    "今年老旧小区改造计划，预计9月底前完工。如有疑问请联系区城管局市容科，电话：0883-2123456。感谢您的支持！"
)
BARE = "网友您好！您反映的问题已转交有关部门调查处理，感谢您的留言。"


def test_the_editor_sees_each_replys_score_and_reasons(live, new_page, screens):
    make_user("editor", "editor")
    citizen = make_user("liuyang", "citizen")
    admin = make_user("operator", "admin")
    answered = make_message(citizen, admin, MessageState.IN_PROGRESS, title=TITLE, body=BODY)
    replies.submit_reply(admin, answered.id, SUBSTANTIVE)
    passed_on = make_message(
        citizen, admin, MessageState.IN_PROGRESS, title="南屏小区垃圾站再次反映", body=BODY
    )
    replies.submit_reply(admin, passed_on.id, BARE)

    page = new_page()
    page.set_default_timeout(60_000)  # the first pages compile templates and load jieba's dictionary
    sign_in(page, live, "editor")
    page.goto(live + "/workbench/queues/replies_to_review/")
    badges = page.locator(".quality-badge")
    assert badges.count() == 2
    scores = sorted(int(badge.inner_text()) for badge in badges.all())
    assert scores[0] <= 20 and scores[1] >= 80
    queue = page.locator("main").inner_text()
    assert "套话：仅称已转交有关部门，没有办理结果" in queue
    screens.shot(page, "replies-to-review")

    page.goto(live + f"/workbench/messages/{answered.id}/")
    advice = page.locator("aside.wb-quality")
    advice.scroll_into_view_if_needed()
    text = advice.inner_text()
    assert re.search(r"回复说明了.{0,8}留言以外的.{0,20}（约 \d+ 个新的词语", text)
    assert "回复涉及了留言的每处提问和诉求（2 处）" in text
    # Only the reply's merits and faults are shown, never the message's own properties.
    assert "留言约" not in text and "留言没有直接提问" not in text
    screens.shot(page, "handling-page-good-reply")

    page.goto(live + f"/workbench/messages/{passed_on.id}/")
    advice = page.locator("aside.wb-quality")
    advice.scroll_into_view_if_needed()
    assert "套话" in advice.inner_text() and advice.get_attribute("class").endswith("poor")
    screens.shot(page, "handling-page-bare-transfer")
