"""After an unhappy rating, by clicking and typing: the citizen rates 解决程度 2 with a complaint; the message
waits in the desk's 回访 queue; the desk records a 回访 through the form, the citizen still unsatisfied, and
sends the message back to the unit, where it is in progress again; the public timeline shows the visit
without what the citizen said."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Message, Revisit
from tests.browser.test_lifecycle_in_browser import flash, sign_in
from tests.conftest import make_user, unit
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_unhappy_rating_is_revisited_and_handled_again(live, new_page, screens):
    author = make_user("liuyang", "citizen")
    admin = make_user("operator", "admin")
    make_user("dispatcher", "dispatcher", unit=unit("530900-desk"))
    make_user("handler", "handler", unit=unit("530900-education"))
    message = make_message(author, admin, MessageState.REPLIED, title="教学楼屋顶漏雨仍未修好")
    # Replied two hours ago, so that a visit an hour ago comes after the reply.
    Message.objects.filter(pk=message.pk).update(replied_at=timezone.now() - timedelta(hours=2))

    citizen = new_page()
    sign_in(citizen, live, "liuyang")
    citizen.goto(live + f"/messages/{message.id}/")
    scores = {"解决程度": "2", "办理态度": "4", "办理速度": "4"}
    for legend, score in scores.items():
        citizen.get_by_role("group", name=legend).get_by_label(score, exact=False).first.check()
    citizen.get_by_label("评价内容").fill("下雨天教室还是漏水，问题没有解决。")
    citizen.get_by_role("button", name="提交评价").click()
    assert "留言办理工作机构将对您进行回访" in flash(citizen)
    assert "已办结" not in citizen.locator("main").inner_text()
    assert citizen.get_by_role("button", name="提交追问").is_visible()  # the 追问 form stays
    screens.shot(citizen, "citizen-after-unhappy-rating")
    message.refresh_from_db()
    assert message.state == MessageState.REPLIED and message.awaiting_revisit

    desk = new_page()
    sign_in(desk, live, "dispatcher")
    desk.goto(live + "/workbench/")
    desk.get_by_role("link", name="回访", exact=False).first.click()
    desk.wait_for_url("**/workbench/queues/desk_revisit/**")
    screens.shot(desk, "desk-revisit-queue")
    desk.get_by_role("link", name=message.title).first.click()
    desk.wait_for_url(f"**/workbench/messages/{message.id}/")

    form = desk.locator("#revisit")
    form.get_by_label("回访方式").select_option(label="电话")
    visited = timezone.localtime() - timedelta(hours=1)
    form.get_by_label("回访时间").fill(visited.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("回访情况").fill("留言人说维修队来过一次，但下雨时三楼教室仍然漏水，希望彻底修好。")
    form.get_by_label("回访结果").select_option(label="不满意")
    form.scroll_into_view_if_needed()
    screens.shot(desk, "revisit-form")
    form.get_by_role("button", name="记录回访").click()
    assert "回访已记录：电话回访，留言人表示不满意。" in flash(desk)
    revisit = Revisit.objects.get()
    assert (revisit.method, revisit.outcome) == ("phone", "unsatisfied")
    assert revisit.at == visited.replace(second=0, microsecond=0)
    assert Message.objects.get(pk=message.pk).state == MessageState.REPLIED  # still the desk's to decide

    desk.locator("#reopen").get_by_label("重新办理的理由").fill(
        "回访仍不满意，请现场查看三楼教室屋顶并彻底维修。"
    )
    desk.get_by_role("button", name="交临沧市教育局重新办理").click()
    assert "已交临沧市教育局重新办理" in flash(desk)
    screens.shot(desk, "after-reopen")
    message.refresh_from_db()
    assert message.state == MessageState.IN_PROGRESS and message.supervised and not message.awaiting_revisit
    assert message.reply_deadline > timezone.now()

    unit_page = new_page()
    sign_in(unit_page, live, "handler")
    unit_page.goto(live + "/workbench/queues/unit_in_progress/")
    assert unit_page.get_by_role("link", name=message.title).count() >= 1
    screens.shot(unit_page, "unit-in-progress-again")

    public = new_page()
    public.goto(live + f"/messages/{message.id}/")
    timeline = public.locator(".timeline").inner_text()
    assert "回访" in timeline and "留言办理工作机构电话回访，留言人表示不满意" in timeline
    assert "重新办理" in timeline
    assert "三楼教室仍然漏水" not in public.content()  # what the citizen said stays with the staff
    public.locator(".timeline").scroll_into_view_if_needed()
    screens.shot(public, "public-timeline")
    kinds = list(message.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.RATED, EventKind.REVISITED, EventKind.REOPENED]
