"""After the reply (board/actions/feedback.py, revisits.py): an unhappy rating leaves the message open for the
desk's 回访; a 追问 on a replied message waits in the unit's 追问 queue with its own deadline; a recorded
回访 closes a message awaiting one when the citizen is satisfied; the desk reopens one that is not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import feedback, replies
from liuyan.board.actions.base import Conflict, Forbidden, Invalid, NotFound
from liuyan.board.actions.oversight import close_unrated
from liuyan.board.actions.revisits import closed_by, record_revisit, reopen_message
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message, Revisit
from liuyan.board.selectors import workbench_queues
from liuyan.directory.calendar import add_working_days
from liuyan.directory.models import Region, SlaPolicy
from liuyan.notify.models import Notification
from tests.factories import latest_reply, make_message

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def kinds(message: Message) -> list[str]:
    return list(message.events.order_by("id").values_list("kind", flat=True))


@pytest.fixture
def replied(citizen, admin_user) -> Message:
    """A message 临沧市教育局 replied to an hour ago (its reply dated back so a visit may precede now)."""
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    Message.objects.filter(pk=message.pk).update(replied_at=timezone.now() - timedelta(hours=1))
    message.refresh_from_db()
    return message


@pytest.fixture
def unhappy(replied, citizen) -> Message:
    feedback.rate_message(citizen, replied.id, resolution=2, attitude=5, speed=5, comment="路口还是堵")
    replied.refresh_from_db()
    return replied


def visit(user, message, *, outcome="satisfied", method="phone", at=None, summary="留言人说已经不堵了。"):
    return record_revisit(user, message.id, method, at or timezone.now(), summary, outcome)


# ---- Rating -------------------------------------------------------------------------------------------


def test_a_rating_with_resolution_2_does_not_close_even_when_its_average_is_high(unhappy, dispatcher):
    assert unhappy.state == MessageState.REPLIED and unhappy.awaiting_revisit
    assert unhappy.closed_at is None
    assert kinds(unhappy)[-1] == EventKind.RATED
    assert "转入回访" in unhappy.events.get(kind=EventKind.RATED).note
    assert list(workbench_queues(dispatcher)["desk_revisit"]) == [unhappy]
    assert MessageState.REPLIED in feedback.FOLLOW_UP_STATES  # the author may still follow up


def test_a_satisfied_rating_closes_and_never_reaches_the_revisit_queue(replied, citizen, dispatcher):
    feedback.rate_message(citizen, replied.id, resolution=3, attitude=4, speed=4)
    replied.refresh_from_db()
    assert replied.state == MessageState.CLOSED and not replied.awaiting_revisit
    assert kinds(replied)[-2:] == [EventKind.RATED, EventKind.CLOSED]
    assert not workbench_queues(dispatcher)["desk_revisit"].exists()


def test_a_low_average_is_unhappy_whatever_the_resolution(replied, citizen):
    feedback.rate_message(citizen, replied.id, resolution=3, attitude=1, speed=1)
    replied.refresh_from_db()
    assert replied.state == MessageState.REPLIED and replied.awaiting_revisit


@pytest.mark.parametrize(
    ("threshold", "resolution", "closes"), [(3, 3, False), (3, 4, True), (0, 1, True), (5, 5, False)]
)
def test_the_region_s_policy_sets_the_revisit_threshold(citizen, admin_user, threshold, resolution, closes):
    # The city's policy covers the county the message is about (530923 under 530900).
    SlaPolicy.objects.create(
        region=Region.objects.get(pk="530900"), accept_days=1, reply_days=15, revisit_resolution=threshold
    )
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    feedback.rate_message(citizen, message.id, resolution=resolution, attitude=5, speed=5)
    message.refresh_from_db()
    assert (message.state == MessageState.CLOSED) is closes
    assert message.awaiting_revisit is not closes


# ---- 追问 -----------------------------------------------------------------------------------------------


def test_a_follow_up_on_a_replied_message_waits_in_the_unit_s_queue(replied, citizen, handler, dispatcher):
    before = timezone.now()
    follow_up = feedback.follow_up_message(citizen, replied.id, "请问路口什么时候安排交警值守？")
    replied.refresh_from_db()

    assert replied.state == MessageState.REPLIED and not follow_up.reopened
    assert follow_up.answer_deadline == replied.follow_up_deadline
    assert add_working_days(before, 5) <= replied.follow_up_deadline <= add_working_days(timezone.now(), 5)
    assert list(workbench_queues(handler)["unit_follow_ups"]) == [replied]
    assert list(workbench_queues(dispatcher)["desk_follow_ups"]) == [replied]
    # A second follow-up keeps the earliest deadline the unit is held to.
    feedback.follow_up_message(citizen, replied.id, "另外，学校门口的减速带也坏了。")
    assert Message.objects.get(pk=replied.pk).follow_up_deadline == follow_up.answer_deadline


def test_the_unit_answers_a_follow_up_through_the_reviewed_reply(replied, citizen, handler, editor):
    follow_up = feedback.follow_up_message(citizen, replied.id, "请问路口什么时候安排交警值守？")

    reply = replies.submit_reply(handler, replied.id, "交警大队已安排上下学时段在路口值守，自下周一起执行。")
    replied.refresh_from_db()
    assert replied.state == MessageState.REPLY_REVIEW and replied.follow_up_deadline is None
    assert replied.reply_deadline == follow_up.answer_deadline  # held to the follow-up's deadline
    assert not workbench_queues(handler)["unit_follow_ups"].exists()

    replies.approve_reply(editor, reply.id)
    replied.refresh_from_db()
    assert replied.state == MessageState.REPLIED
    feedback.rate_message(citizen, replied.id, resolution=5, attitude=5, speed=5)  # the new reply is rated
    assert Message.objects.get(pk=replied.pk).state == MessageState.CLOSED


def test_a_replied_message_without_a_follow_up_takes_no_second_reply(replied, handler):
    with pytest.raises(Conflict, match="没有待答复的追问"):
        replies.submit_reply(handler, replied.id, "补充说明：已安排交警值守。")
    assert Message.objects.get(pk=replied.pk).state == MessageState.REPLIED


def test_a_new_question_still_reopens_handling_under_supervision(replied, citizen):
    follow_up = feedback.follow_up_message(citizen, replied.id, "学校食堂卫生也有问题。", new_question=True)
    replied.refresh_from_db()
    assert follow_up.reopened and follow_up.answer_deadline is None
    assert replied.state == MessageState.IN_PROGRESS and replied.supervised
    assert kinds(replied)[-2:] == [EventKind.FOLLOWED_UP, EventKind.REOPENED]


# ---- 回访 -----------------------------------------------------------------------------------------------


def test_the_desk_s_satisfied_revisit_closes_a_message_awaiting_one(unhappy, dispatcher):
    at = timezone.now() - timedelta(minutes=20)
    revisit = visit(dispatcher, unhappy, at=at, outcome="basically_satisfied")
    unhappy.refresh_from_db()

    assert unhappy.state == MessageState.CLOSED and not unhappy.awaiting_revisit and closed_by(revisit)
    assert (revisit.by, revisit.unit, revisit.at) == (dispatcher, unhappy.desk, at)
    event = Event.objects.get(message=unhappy, kind=EventKind.REVISITED)
    assert event.note == "留言办理工作机构电话回访，留言人表示基本满意"
    assert "不堵" not in event.note and event.created_at == at and event.actor == dispatcher
    assert kinds(unhappy)[-2:] == [EventKind.REVISITED, EventKind.CLOSED]
    assert unhappy.events.get(kind=EventKind.CLOSED).note == "回访满意，办结。"


def test_the_unit_records_a_revisit_as_itself_and_an_unhappy_one_stays_open(unhappy, handler, dispatcher):
    revisit = visit(handler, unhappy, method="上门", outcome="不满意", summary="留言人说早高峰仍然拥堵。")
    unhappy.refresh_from_db()

    assert (revisit.method, revisit.outcome, revisit.unit) == ("visit", "unsatisfied", unhappy.unit)
    assert not closed_by(revisit)
    assert unhappy.state == MessageState.REPLIED and unhappy.awaiting_revisit
    assert kinds(unhappy)[-1] == EventKind.REVISITED
    assert unhappy.events.get(kind=EventKind.REVISITED).note == "办理单位上门回访，留言人表示不满意"
    assert list(workbench_queues(dispatcher)["desk_revisit"]) == [unhappy]


def test_a_revisit_of_a_message_not_awaiting_one_changes_nothing_but_its_record(replied, citizen, dispatcher):
    feedback.rate_message(citizen, replied.id, resolution=5, attitude=5, speed=5)
    revisit = visit(dispatcher, replied, method="video")
    replied.refresh_from_db()
    assert replied.state == MessageState.CLOSED and not closed_by(revisit)
    assert kinds(replied)[-1] == EventKind.REVISITED


@pytest.mark.parametrize("who", ["leader", "editor", "citizen", "other_handler"])
def test_only_the_handling_unit_and_the_desk_may_revisit(request, unhappy, who):
    # The message is public: those who may not revisit it see it, and are told they may not.
    with pytest.raises(Forbidden, match="只有办理这条留言的单位或留言办理工作机构可以回访"):
        visit(request.getfixturevalue(who), unhappy)
    assert not Revisit.objects.exists()
    assert not unhappy.events.filter(kind=EventKind.REVISITED).exists()


def test_a_private_message_outside_one_s_unit_looks_missing(citizen, admin_user, other_handler):
    message = make_message(citizen, admin_user, MessageState.REPLIED, public=False)
    with pytest.raises(NotFound):
        visit(other_handler, message)


def test_a_revisit_before_the_reply_is_refused(citizen, admin_user, dispatcher):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    with pytest.raises(Conflict, match="不能回访"):
        visit(dispatcher, message)


@pytest.mark.parametrize(
    ("field", "changes", "says"),
    [
        ("at", {"at": timezone.now() + timedelta(days=1)}, "不能晚于现在"),
        ("at", {"at": timezone.now() - timedelta(days=30)}, "不能早于回复时间"),
        ("at", {"at": "昨天下午"}, "请填写回访时间"),
        ("at", {"at": None}, "请填写回访时间"),
        ("method", {"method": "短信"}, "请选择回访方式（电话、上门、视频）"),
        ("method", {"method": None}, "请选择回访方式"),
        ("outcome", {"outcome": "非常满意"}, "请选择回访结果"),
        ("summary", {"summary": "  "}, "回访情况"),
        ("summary", {"summary": "留言人说\x00已解决"}, "控制字符"),
        ("summary", {"summary": "很" * 2001}, "不能超过 2000 个字"),
    ],
)
def test_bad_input_is_refused_with_its_field(unhappy, dispatcher, field, changes, says):
    call = {"method": "phone", "at": timezone.now(), "summary": "已解决。", "outcome": "satisfied", **changes}
    with pytest.raises(Invalid) as refused:
        record_revisit(dispatcher, unhappy.id, **call)
    assert says in refused.value.errors[field]
    assert not Revisit.objects.exists() and Message.objects.get(pk=unhappy.pk).awaiting_revisit


def test_a_time_typed_with_full_width_digits_is_read(unhappy, dispatcher):
    moment = timezone.localtime() - timedelta(minutes=30)
    typed = moment.strftime("%Y-%m-%d %H:%M").translate(FULL_WIDTH)
    revisit = record_revisit(dispatcher, unhappy.id, "电话", typed, "满意", "满意")
    assert revisit.at == moment.replace(second=0, microsecond=0)


# ---- 重新办理 ---------------------------------------------------------------------------------------------


def test_the_desk_reopens_an_unhappy_message_at_the_same_unit(unhappy, dispatcher, handler):
    visit(dispatcher, unhappy, outcome="unsatisfied")
    before = timezone.now()
    reopen_message(dispatcher, unhappy.id, "回访仍不满意，请到现场核实。")
    unhappy.refresh_from_db()

    assert unhappy.state == MessageState.IN_PROGRESS and unhappy.unit.code == "530900-education"
    assert unhappy.supervised and not unhappy.awaiting_revisit
    assert unhappy.reply_deadline >= add_working_days(before, 15) - timedelta(seconds=1)
    event = unhappy.events.order_by("-id").first()
    assert (event.kind, event.from_state, event.to_state) == ("reopened", "replied", "in_progress")
    assert event.note == "回访仍不满意，请到现场核实。" and event.actor == dispatcher
    assert unhappy in workbench_queues(handler)["unit_in_progress"]
    assert not workbench_queues(dispatcher)["desk_revisit"].exists()


def test_a_closed_message_may_be_reopened(replied, citizen, dispatcher):
    feedback.rate_message(citizen, replied.id, resolution=5, attitude=5, speed=5)
    reopen_message(dispatcher, replied.id, "留言人来电反映问题复发。")
    replied.refresh_from_db()
    assert replied.state == MessageState.IN_PROGRESS and replied.closed_at is None


@pytest.mark.parametrize(
    ("who", "error"), [("handler", Forbidden), ("leader", Forbidden), ("citizen", Forbidden)]
)
def test_only_the_desk_reopens(request, unhappy, who, error):
    with pytest.raises(error):
        reopen_message(request.getfixturevalue(who), unhappy.id, "请重新办理。")
    assert Message.objects.get(pk=unhappy.pk).state == MessageState.REPLIED


def test_reopening_needs_a_reason_and_a_replied_or_closed_message(unhappy, dispatcher, citizen, admin_user):
    for reason in ("", " ", "理\x07由"):
        with pytest.raises(Invalid) as refused:
            reopen_message(dispatcher, unhappy.id, reason)
        assert "reason" in refused.value.errors
    in_progress = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    with pytest.raises(Conflict, match="不能重新办理"):
        reopen_message(dispatcher, in_progress.id, "请重新办理。")


# ---- The rating window --------------------------------------------------------------------------------


def test_the_rating_window_does_not_close_what_awaits_a_revisit_or_an_answer(
    replied, unhappy_other, citizen, dispatcher, settings
):
    settings.LIUYAN_RATING_WINDOW_DAYS = 7
    feedback.follow_up_message(citizen, replied.id, "请问路口什么时候安排交警值守？")
    later = timezone.now() + timedelta(days=8)

    assert close_unrated(later) == 0  # one waits for the unit's answer, the other for its revisit
    visit(dispatcher, unhappy_other, outcome="unsatisfied")
    assert close_unrated(later) == 1
    unhappy_other.refresh_from_db()
    assert unhappy_other.state == MessageState.CLOSED and not unhappy_other.awaiting_revisit
    assert unhappy_other.events.order_by("-id").first().note == "回访后评价期满，办结。"
    assert Message.objects.get(pk=replied.pk).state == MessageState.REPLIED


@pytest.fixture
def unhappy_other(citizen, admin_user) -> Message:
    message = make_message(citizen, admin_user, MessageState.REPLIED, title="校车超载严重")
    Message.objects.filter(pk=message.pk).update(replied_at=timezone.now() - timedelta(hours=1))
    feedback.rate_message(citizen, message.id, resolution=1, attitude=1, speed=1)
    message.refresh_from_db()
    assert latest_reply(message) is not None
    return message


# ---- Who is told ----------------------------------------------------------------------------------------


def test_the_desk_is_told_of_an_unhappy_rating_and_the_unit_of_the_follow_up_s_deadline(
    dispatcher, handler, citizen, unhappy
):  # the desk's staff exist before the rating
    told = Notification.objects.get(recipient=dispatcher, kind="revisit_due", message=unhappy)
    assert told.text == f"留言 {unhappy.serial} 评价不满意（解决程度 2 分），请回访。"
    follow_up = feedback.follow_up_message(citizen, unhappy.id, "早高峰还是堵，请再看看。")
    due = timezone.localtime(follow_up.answer_deadline)
    assert Notification.objects.filter(
        recipient=handler, kind="followed_up", text__contains=f"请于 {due:%m月%d日 %H:%M} 前答复"
    ).exists()


def test_a_happy_rating_tells_the_desk_nothing(replied, citizen, dispatcher):
    feedback.rate_message(citizen, replied.id, resolution=5, attitude=5, speed=5)
    assert not Notification.objects.filter(recipient=dispatcher, kind="revisit_due").exists()


def test_the_unit_and_the_citizen_are_told_of_a_reopening(unhappy, citizen, dispatcher, handler):
    reopen_message(dispatcher, unhappy.id, "回访仍不满意，请现场核实。")
    assert Notification.objects.get(recipient=handler, kind="reopened").text == (
        f"留言 {unhappy.serial} 需重新办理：回访仍不满意，请现场核实。"
    )
    assert Notification.objects.filter(recipient=citizen, kind="message_reopened").exists()
