"""The count tables: kept exact by the actions through random action sequences, equal to a rebuild, rolled
up the region tree, and rebuilt by `liuyan rebuild_counts`."""

import contextlib
import random
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from liuyan.board.actions import (
    dispatch,
    feedback,
    handling,
    moderation,
    oversight,
    replies,
    revisits,
    submission,
)
from liuyan.board.actions.base import ActionError
from liuyan.board.choices import MessageState, ReplyState
from liuyan.board.models import ExtensionRequest, Message, Rating, Reply, Revisit
from liuyan.directory.models import Leader, Region, Unit
from liuyan.reports.counts import rebuild_counts
from liuyan.reports.models import METRICS, DailyCount, UncountedSubmission
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

# (leader code, region code of the message) and the units messages go to, inside and outside 云南.
PLACES = [
    ("530900-head", "530923"),
    ("530900-head", "530900"),
    ("530000-head", "530923"),
    ("530000-head", "530000"),
    ("110105-head", "110105"),
]
UNITS = [
    "530900-education",
    "530900-housing",
    "530923-education",
    "530000-transport",
    "110105-education",
    "110105-housing",
]
DOMAINS = ["教育", "交通", "城建", "医疗"]
TYPES = ["complaint", "suggestion", "help"]


def expected_rows() -> dict:
    """The count rows computed straight from messages and ratings, independently of reports.counts."""
    parents = dict(Region.objects.values_list("code", "parent_id"))
    levels = dict(Region.objects.values_list("code", "level"))
    latest: dict[int, Rating] = {}
    for rating in Rating.objects.order_by("created_at", "id"):
        latest[rating.message_id] = rating
    visits: dict[int, list[Revisit]] = defaultdict(list)
    for revisit in Revisit.objects.all():
        visits[revisit.message_id].append(revisit)
    rows: dict = defaultdict(lambda: defaultdict(int))
    for m in Message.objects.all():
        chain, code = [], m.region_id
        while code:
            chain.append(code)
            code = parents[code]
        keys = [("national", ""), ("leader", str(m.leader_id))]
        keys += [("domain", str(m.domain_id)), ("type", str(m.message_type_id))]
        keys += [("unit", str(m.unit_id))] if m.unit_id else []
        keys += [("campaign", str(m.campaign_id))] if m.campaign_id else []
        for code in chain:
            keys += [("region", code)]
            if levels[code] != "county":  # counties are not split by domain and type
                keys += [("region_domain", f"{code}:{m.domain_id}")]
                keys += [("region_type", f"{code}:{m.message_type_id}")]
        events = [(m.created_at, {"received": 1})]
        if m.published_at:
            events.append((m.published_at, {"published": 1}))
        if m.assigned_at:
            events.append((m.assigned_at, {"assigned": 1}))
        if m.replied_at:
            on_time = m.reply_deadline is None or m.replied_at <= m.reply_deadline
            seconds = int((m.replied_at - m.created_at).total_seconds())
            events.append(
                (m.replied_at, {"replied": 1, "replied_on_time": int(on_time), "response_seconds": seconds})
            )
        elif m.reply_deadline:  # unanswered: 超期未回复 on its deadline's day (read once that day is over)
            events.append((m.reply_deadline, {"overdue": 1}))
        if m.closed_at:
            events.append((m.closed_at, {"closed": 1}))
        if m.pk in latest:
            r = latest[m.pk]
            events.append(
                (
                    r.created_at,
                    {
                        "rated": 1,
                        "resolution_sum": r.resolution,
                        "attitude_sum": r.attitude,
                        "speed_sum": r.speed,
                        "satisfied": int((r.resolution + r.attitude + r.speed) / 3 >= 4),
                    },
                )
            )
        # 回访: closed messages and those awaiting a revisit after their latest rating, with whether they
        # have one; each revisit on its day.
        base = m.closed_at or (latest[m.pk].created_at if m.awaiting_revisit and m.pk in latest else None)
        if base:
            events.append((base, {"revisit_base": 1, "revisited": int(bool(visits[m.pk]))}))
        for v in visits[m.pk]:
            satisfied = v.outcome in ("satisfied", "basically_satisfied")
            events.append((v.at, {"revisits": 1, "revisits_satisfied": int(satisfied)}))
        for at, values in events:
            day = timezone.localtime(at).date()
            for dimension, key in keys:
                for name, value in values.items():
                    rows[(dimension, key, day)][name] += value
    return {row: {name: values.get(name, 0) for name in METRICS} for row, values in rows.items()}


def stored_rows(*, keep_zero_rows: bool = False) -> dict:
    rows = {}
    for row in DailyCount.objects.values("dimension", "key", "day", *METRICS):
        values = {name: row[name] for name in METRICS}
        if keep_zero_rows or any(values.values()):
            rows[(row["dimension"], row["key"], row["day"])] = values
    return rows


class Clock:
    """The actions' clock, moved forward by the test so that events fall on many different days."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(timezone.make_aware(datetime(2026, 3, 2, 9, 0)))
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def _submit(rng: random.Random, author, *, in_task: bool = False):
    leader_code, region_code = rng.choice(PLACES)
    return submission.submit_message(
        author,
        leader_id=Leader.objects.get(code=leader_code).id,
        message_type=rng.choice(TYPES),
        domain=rng.choice(DOMAINS),
        title="小区门口道路破损",
        body="小区门口道路破损多时，雨天积水严重，请有关部门尽快修复。",
        region_code=region_code,
        follow_up_in_task=in_task,
    )


def run_random_actions(
    rng: random.Random, clock: Clock, staff, authors, *, messages: int, steps: int, in_task: float = 0.0
) -> None:
    """Submit `messages` messages, then take `steps` random actions on them, the clock moving between.

    A share `in_task` of the submissions leave their `received` to their task, which runs at a random
    step (as a worker would, late), or at the end; a recount may come while tasks are still waiting.
    """
    units = {code: Unit.objects.get(code=code).pk for code in UNITS}
    ids = []
    for _ in range(messages):
        ids.append(_submit(rng, rng.choice(authors), in_task=rng.random() < in_task).pk)
        clock.now += timedelta(minutes=rng.randint(5, 600))

    def on_reply_in_review(decide):
        def act(pk):
            reply = Reply.objects.filter(messages=pk, state=ReplyState.IN_REVIEW).order_by("-id").first()
            if reply is not None:  # none when the message was picked outside 答复待审
                decide(reply.pk)

        return act

    def rate(pk):
        message = Message.objects.get(pk=pk)
        scores = {name: rng.randint(1, 5) for name in ("resolution", "attitude", "speed")}
        feedback.rate_message(message.author, pk, **scores)

    def follow_up(pk):
        message = Message.objects.get(pk=pk)
        feedback.follow_up_message(
            message.author, pk, "问题还没有解决，请再看看。", new_question=rng.random() < 0.5
        )

    def revisit(pk):
        outcome = rng.choice(["satisfied", "basically_satisfied", "unsatisfied"])
        method = rng.choice(["phone", "visit", "video"])
        revisits.record_revisit(staff, pk, method, clock.now, "留言人说明了办理情况。", outcome)

    def extension(pk):
        handling.request_extension(staff, pk, rng.randint(1, 5), "需要协调多个部门。")
        pending = ExtensionRequest.objects.get(message_id=pk, state="pending")
        handling.decide_extension(staff, pending.pk, rng.random() < 0.7)

    S = MessageState
    # (weight, the states a message is mostly picked from, the action)
    actions = [
        (5, {S.PENDING_REVIEW}, lambda pk: moderation.publish_message(staff, pk)),
        (1, {S.PENDING_REVIEW}, lambda pk: moderation.reject_message(staff, pk, "与留言板无关。")),
        (
            1,
            {S.PENDING_REVIEW},
            lambda pk: submission.withdraw_message(Message.objects.get(pk=pk).author, pk),
        ),
        (
            5,
            {S.PUBLISHED, S.ASSIGNED},
            lambda pk: dispatch.assign_message(staff, pk, units[rng.choice(UNITS)]),
        ),
        (4, {S.ASSIGNED}, lambda pk: handling.accept_message(staff, pk)),
        (
            1,
            {S.ASSIGNED, S.IN_PROGRESS},
            lambda pk: dispatch.transfer_message(staff, pk, units[rng.choice(UNITS)], "不属本单位职责。"),
        ),
        (1, {S.ASSIGNED, S.IN_PROGRESS}, lambda pk: dispatch.return_message(staff, pk, "不属本单位职责。")),
        (4, {S.IN_PROGRESS}, lambda pk: replies.submit_reply(staff, pk, "已安排人员现场查看并修复道路。")),
        (4, {S.REPLY_REVIEW}, on_reply_in_review(lambda reply: replies.approve_reply(staff, reply))),
        (
            1,
            {S.REPLY_REVIEW},
            on_reply_in_review(lambda reply: replies.send_back_reply(staff, reply, "答复过于笼统。")),
        ),
        (4, {S.REPLIED}, rate),
        (2, {S.REPLIED, S.IN_PROGRESS}, follow_up),
        (2, {S.REPLIED, S.CLOSED}, revisit),
        (1, {S.REPLIED, S.CLOSED}, lambda pk: revisits.reopen_message(staff, pk, "回访不满意，重新办理。")),
        (1, {S.IN_PROGRESS}, extension),
        (
            1,
            {S.PUBLISHED, S.ASSIGNED, S.IN_PROGRESS},
            lambda pk: dispatch.merge_messages(staff, pk, rng.choice(ids)),
        ),
        (1, set(S), lambda pk: moderation.hide_message(staff, pk, "含有不当内容。")),
        (1, {S.REPLIED}, lambda pk: oversight.close_unrated(clock.now + timedelta(days=30))),
    ]
    if in_task:
        actions += [
            (4, set(S), submission.follow_up_submission),
            (1, set(S), lambda pk: rebuild_counts()),
        ]
    weights = [weight for weight, _states, _action in actions]
    for _ in range(steps):
        _weight, states, action = rng.choices(actions, weights=weights)[0]
        fitting = list(Message.objects.filter(pk__in=ids, state__in=states).values_list("pk", flat=True))
        pk = rng.choice(fitting if fitting and rng.random() < 0.9 else ids)
        with contextlib.suppress(ActionError):
            action(pk)
        clock.now += timedelta(minutes=rng.randint(10, 600))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_random_actions_keep_every_row_exact_and_a_rebuild_agrees(clock, admin_user, seed):
    rng = random.Random(seed)
    authors = [make_user(f"citizen-{i}", "citizen") for i in range(3)]
    run_random_actions(rng, clock, admin_user, authors, messages=40, steps=400)

    states = set(Message.objects.values_list("state", flat=True))
    assert {MessageState.CLOSED, MessageState.IN_PROGRESS} <= states
    assert Message.objects.filter(replied_at__isnull=False).count() >= 5
    assert Rating.objects.count() >= 3
    assert Revisit.objects.count() >= 3
    expected = expected_rows()
    days = {day for _dimension, _key, day in expected}
    assert len(days) > 10, "the clock should spread events over many days"
    assert stored_rows() == expected

    kept = stored_rows()
    assert rebuild_counts() == len(expected)
    assert stored_rows(keep_zero_rows=True) == kept


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 4])
def test_submissions_counted_by_their_task_are_exact_once_the_tasks_ran(clock, admin_user, seed):
    """Their tasks run late, after the messages moved to other units, were merged, recounted…"""
    rng = random.Random(seed)
    authors = [make_user(f"citizen-{i}", "citizen") for i in range(3)]
    run_random_actions(rng, clock, admin_user, authors, messages=40, steps=300, in_task=0.7)
    waiting = UncountedSubmission.objects.count()
    assert 5 <= waiting < 40, "some tasks should have run during the actions, and some not"
    assert stored_rows() != expected_rows()

    assert submission.follow_up_submissions() == waiting
    assert not UncountedSubmission.objects.exists()
    assert stored_rows() == expected_rows()
    kept = stored_rows()
    rebuild_counts()
    assert stored_rows() == kept
    # Run again (a worker that died after the commit), a task counts nothing twice.
    assert submission.follow_up_submission(Message.objects.order_by("?").first().pk) is False
    assert stored_rows() == kept


def test_rollup_of_a_county_message(citizen, admin_user):
    message = submission.submit_message(
        citizen,
        leader_id=Leader.objects.get(code="530900-head").id,
        message_type="complaint",
        domain="教育",
        title="学校食堂价格偏高",
        body="学校食堂饭菜价格偏高，质量一般，希望有关部门监督。",
        region_code="530923",
    )
    moderation.publish_message(admin_user, message.pk)
    day = timezone.localdate()
    rows = DailyCount.objects.filter(day=day, published=1)
    regions = set(rows.filter(dimension="region").values_list("key", flat=True))
    assert regions == {"530000", "530900", "530923"}
    assert rows.filter(dimension="national", key="").exists()
    assert rows.filter(dimension="leader", key=str(message.leader_id)).exists()
    assert rows.filter(dimension="region_domain", key=f"530900:{message.domain_id}").exists()


def test_rebuild_command_recounts_only_the_days_asked(citizen, admin_user, clock):
    first = _submit(random.Random(3), citizen)
    clock.now += timedelta(days=3)
    second = _submit(random.Random(4), citizen)
    day_one, day_two = timezone.localdate(first.created_at), timezone.localdate(second.created_at)
    # Damage both days' national rows, as an import behind the actions' back would.
    DailyCount.objects.filter(dimension="national").update(received=99)

    call_command("rebuild_counts", "--from", day_two.isoformat(), stdout=open("/dev/null", "w"))  # noqa: SIM115

    national = dict(DailyCount.objects.filter(dimension="national").values_list("day", "received"))
    assert national == {day_one: 99, day_two: 1}
    call_command("rebuild_counts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert stored_rows() == expected_rows()


def test_a_full_rebuild_drops_rows_of_days_no_event_falls_on_any_more(citizen):
    message = _submit(random.Random(5), citizen)
    Message.objects.filter(pk=message.pk).update(created_at=message.created_at - timedelta(days=40))
    stale = timezone.localdate(message.created_at) + timedelta(days=400)
    DailyCount.objects.create(dimension="national", key="", day=stale, closed=1)
    rebuild_counts()
    assert stored_rows(keep_zero_rows=True) == expected_rows()


@pytest.mark.parametrize(
    "args", [["--from", "2026-13-01"], ["--to", "yesterday"], ["--from", "2026-03-05", "--to", "2026-03-01"]]
)
def test_rebuild_command_refuses_bad_dates(args):
    with pytest.raises(CommandError):
        call_command("rebuild_counts", *args)


def test_rebuild_on_an_empty_board_clears_the_rows():
    DailyCount.objects.create(dimension="national", key="", day=timezone.localdate(), received=5)
    assert rebuild_counts() == 0
    assert not DailyCount.objects.exists()
