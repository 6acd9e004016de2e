"""Random sequences of lifecycle actions (hypothesis stateful testing) keep the invariants:
every state change has exactly one Event; a replied or closed message has a published reply; deadlines
exist from assignment on; nothing is ever deleted."""

import contextlib

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from liuyan.board import lifecycle
from liuyan.board.actions import dispatch, feedback, handling, moderation, oversight, replies, submission
from liuyan.board.actions.base import ActionError
from liuyan.board.choices import MessageState, ReplyState
from liuyan.board.choices import MessageState as S
from liuyan.board.models import Event, ExtensionRequest, FollowUp, Message, Rating, Reply
from liuyan.directory.models import Leader, Unit
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

scores = st.integers(min_value=1, max_value=5)


class Lifecycle(RuleBasedStateMachine):
    """Each rule tries one action as the user entitled to it; refusals (ActionError) are fine, but a
    change must leave exactly one Event saying what changed."""

    def __init__(self):
        super().__init__()
        self.ids: list[int] = []
        self.counts = self._counts()

    @staticmethod
    def _counts() -> dict:
        return {
            m.__name__: m.objects.count() for m in (Message, Event, Reply, Rating, FollowUp, ExtensionRequest)
        }

    def _pick(self, index: int, states) -> int:
        """Mostly a message in one of `states` (so that sequences go deep), sometimes any message (so
        that illegal transitions are tried too)."""
        fitting = list(Message.objects.filter(pk__in=self.ids, state__in=states).values_list("pk", flat=True))
        pool = fitting if fitting and index % 5 else self.ids
        return pool[index % len(pool)]

    def _attempt(self, index: int, call, states=()) -> None:
        """Run `call(message_id)`; check that a state change wrote exactly one matching Event."""
        pk = self._pick(index, states)
        before = Message.objects.values_list("state", flat=True).get(pk=pk)
        last_event = Event.objects.filter(message_id=pk).order_by("-id").values_list("id", flat=True).first()
        with contextlib.suppress(ActionError):
            call(pk)
        after = Message.objects.values_list("state", flat=True).get(pk=pk)
        # A re-assignment or transfer records from/to `assigned` too; only real changes count here.
        changes = [
            (old, new)
            for old, new in Event.objects.filter(message_id=pk, id__gt=last_event).values_list(
                "from_state", "to_state"
            )
            if new and old != new
        ]
        if before == after:
            assert changes == [], (before, changes)
        else:
            assert changes == [(before, after)], (before, after, changes)

    @rule(anonymous=st.booleans(), urgent_type=st.sampled_from(["complaint", "suggestion", "help"]))
    def submit(self, anonymous, urgent_type):
        message = submission.submit_message(
            ctx.author,
            leader_id=ctx.leader.id,
            message_type=urgent_type,
            domain="城建",
            title="小区道路破损严重",
            body="小区主干道路面坑洼，雨天积水，老人孩子出行不便。",
            anonymous=anonymous,
        )
        self.ids.append(message.id)

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50))
    def advance(self, i):
        """The next step of the ordinary path for the message's state, so that sequences go deep."""

        def call(pk):
            message = Message.objects.get(pk=pk)
            step = {
                S.PENDING_REVIEW: lambda: moderation.publish_message(ctx.editor, pk),
                S.PUBLISHED: lambda: dispatch.assign_message(ctx.dispatcher, pk, ctx.unit.id),
                S.ASSIGNED: lambda: handling.accept_message(
                    ctx.handler if message.unit_id == ctx.unit.id else ctx.other_handler, pk
                ),
                S.IN_PROGRESS: lambda: replies.submit_reply(
                    ctx.handler if message.unit_id == ctx.unit.id else ctx.other_handler,
                    pk,
                    "已办理完毕，特此回复。",
                ),
                S.REPLY_REVIEW: lambda: replies.approve_reply(
                    ctx.editor, Reply.objects.filter(messages=pk, state=ReplyState.IN_REVIEW).latest("id").id
                ),
                S.REPLIED: lambda: feedback.rate_message(ctx.author, pk, resolution=4, attitude=4, speed=4),
            }.get(message.state)
            if step:
                step()

        self._attempt(
            i, call, [S.PENDING_REVIEW, S.PUBLISHED, S.ASSIGNED, S.IN_PROGRESS, S.REPLY_REVIEW, S.REPLIED]
        )

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50), approve=st.booleans())
    def moderate(self, i, approve):
        if approve:
            self._attempt(
                i, lambda pk: moderation.publish_message(ctx.editor, pk), lifecycle.PUBLISH.allowed_from
            )
        else:
            self._attempt(
                i,
                lambda pk: moderation.reject_message(ctx.editor, pk, "与留言对象无关"),
                lifecycle.REJECT.allowed_from,
            )

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50))
    def withdraw(self, i):
        self._attempt(
            i, lambda pk: submission.withdraw_message(ctx.author, pk), lifecycle.WITHDRAW.allowed_from
        )

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50), to_other=st.booleans())
    def assign(self, i, to_other):
        unit = ctx.other_unit if to_other else ctx.unit
        self._attempt(i, lambda pk: dispatch.assign_message(ctx.dispatcher, pk, unit.id), [S.PUBLISHED])

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50), other=st.booleans())
    def accept(self, i, other):
        self._attempt(
            i,
            lambda pk: handling.accept_message(ctx.other_handler if other else ctx.handler, pk),
            lifecycle.ACCEPT.allowed_from,
        )

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50))
    def transfer(self, i):
        def call(pk):
            message = Message.objects.get(pk=pk)
            target = ctx.other_unit if message.unit_id == ctx.unit.id else ctx.unit
            actor = ctx.handler if message.unit_id == ctx.unit.id else ctx.other_handler
            dispatch.transfer_message(actor, pk, target.id, "职责调整")

        self._attempt(i, call, lifecycle.TRANSFER.allowed_from)

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50))
    def give_back(self, i):
        self._attempt(
            i,
            lambda pk: dispatch.return_message(ctx.handler, pk, "不属本单位职责"),
            lifecycle.RETURN.allowed_from,
        )

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50), j=st.integers(0, 50))
    def reply(self, i, j):
        also = [self.ids[j % len(self.ids)]]
        self._attempt(
            i,
            lambda pk: replies.submit_reply(ctx.handler, pk, "已安排维修，本月内完成。", also),
            lifecycle.REPLY.allowed_from,
        )

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50), approve=st.booleans())
    def review(self, i, approve):
        def call(pk):
            reply = Reply.objects.filter(messages=pk, state=ReplyState.IN_REVIEW).first()
            if reply is None:
                return
            if approve:
                replies.approve_reply(ctx.editor, reply.id)
            else:
                replies.send_back_reply(ctx.editor, reply.id, "请说明具体时间。")

        self._attempt(i, call, lifecycle.APPROVE_REPLY.allowed_from)

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50), resolution=scores, attitude=scores, speed=scores)
    def rate(self, i, resolution, attitude, speed):
        self._attempt(
            i,
            lambda pk: feedback.rate_message(
                ctx.author, pk, resolution=resolution, attitude=attitude, speed=speed
            ),
            lifecycle.RATE.allowed_from,
        )

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50), new_question=st.booleans())
    def follow_up(self, i, new_question):
        self._attempt(
            i,
            lambda pk: feedback.follow_up_message(ctx.author, pk, "问题还没有解决。", new_question),
            lifecycle.REOPEN_ON_FOLLOW_UP.allowed_from,  # where a follow-up may change the state
        )

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50), approve=st.booleans())
    def extension(self, i, approve):
        def call(pk):
            handling.request_extension(ctx.handler, pk, 3, "需要协调多个部门")
            handling.decide_extension(
                ctx.dispatcher, ExtensionRequest.objects.filter(message_id=pk).latest("id").id, approve
            )

        self._attempt(i, call, lifecycle.REQUEST_EXTENSION.allowed_from)

    @precondition(lambda self: self.ids)
    @rule(i=st.integers(0, 50), which=st.sampled_from(["hide", "unhide", "remind", "supervise", "support"]))
    def oversee(self, i, which):
        calls = {
            "hide": lambda pk: moderation.hide_message(ctx.editor, pk, "不当内容"),
            "unhide": lambda pk: moderation.unhide_message(ctx.editor, pk),
            "remind": lambda pk: oversight.remind_message(ctx.dispatcher, pk),
            "supervise": lambda pk: oversight.supervise_message(ctx.leader_user, pk),
            "support": lambda pk: submission.support_message(ctx.dispatcher, pk),
        }
        self._attempt(i, calls[which], [S.PUBLISHED, S.ASSIGNED, S.IN_PROGRESS])

    @precondition(lambda self: len(self.ids) > 1)
    @rule(i=st.integers(0, 50), j=st.integers(0, 50))
    def merge(self, i, j):
        into = self.ids[j % len(self.ids)]
        self._attempt(
            i, lambda pk: dispatch.merge_messages(ctx.dispatcher, pk, into), [S.PUBLISHED, S.ASSIGNED]
        )

    @invariant()
    def replied_messages_have_a_published_reply(self):
        answered = Message.objects.filter(state__in=[MessageState.REPLIED, MessageState.CLOSED])
        assert not answered.exclude(replies__state=ReplyState.PUBLISHED).exists()

    @invariant()
    def deadlines_exist_from_assignment_on(self):
        assert not Message.objects.filter(assigned_at__isnull=False, reply_deadline__isnull=True).exists()
        assert not Message.objects.filter(assigned_at__isnull=False, accept_deadline__isnull=True).exists()

    @invariant()
    def each_message_state_is_its_last_event(self):
        for pk in self.ids:
            state = Message.objects.values_list("state", flat=True).get(pk=pk)
            last = Event.objects.filter(message_id=pk).exclude(to_state="").order_by("-id").first()
            assert last.to_state == state

    @invariant()
    def nothing_is_deleted(self):
        counts = self._counts()
        assert all(counts[name] >= self.counts[name] for name in counts), (self.counts, counts)
        self.counts = counts


class Context:
    """The actors and places of the machine, set per test."""


ctx = Context()


@pytest.mark.slow
def test_random_action_sequences_keep_the_invariants(citizen, editor, dispatcher, handler, leader):
    ctx.author, ctx.editor, ctx.dispatcher, ctx.handler, ctx.leader_user = (
        citizen,
        editor,
        dispatcher,
        handler,
        leader,
    )
    ctx.leader = Leader.objects.get(code="530900-head")
    ctx.unit = Unit.objects.get(code="530900-education")
    ctx.other_unit = Unit.objects.get(code="530900-housing")
    ctx.other_handler = make_user("housing-handler", "handler", unit=ctx.other_unit)
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=40,
            stateful_step_count=40,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The sequences went deep enough to exercise the whole lifecycle (closing passes through `replied`).
    reached = set(Message.objects.values_list("state", flat=True))
    assert {MessageState.IN_PROGRESS, MessageState.CLOSED} <= reached, reached
