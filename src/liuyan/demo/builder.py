"""Demo data for a directory-seeded database (`liuyan setup_demo`): accounts for every role, campaigns,
and a few thousand messages with six months of history.

How the history is made honest:

1. Every state change goes through the board's action functions, so the events, deadlines, notifications,
   counters and invariants are the ones the actions write. The actions stamp what they write with the
   current time, so each action call is recorded as a step of its case (demo.cases) with the wall-clock
   interval it ran in.
2. Then each case is laid out on the past six months and every row it wrote is re-dated (demo.history).
3. Finally the periodic checks run once, as the scheduler would on its first run: messages overdue long
   enough come under supervision and due-soon ones get their warning.

Everything happens in one transaction: a failure leaves the database as it was.
"""

import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.dummy import DummyBackend

from liuyan.accounts.models import User
from liuyan.board.actions.campaigns import set_campaign_state
from liuyan.board.actions.oversight import supervise_overdue, warn_due_soon
from liuyan.board.choices import CampaignState, EventKind, ExtensionState, MessageState, ReplyState
from liuyan.board.models import (
    Campaign,
    Event,
    ExtensionRequest,
    FollowUp,
    Instruction,
    Message,
    Rating,
    Reply,
    Support,
)
from liuyan.board.selectors import is_due_soon, is_overdue
from liuyan.demo import texts
from liuyan.demo.accounts import DEMO_ACCOUNTS, Cast, demo_accounts
from liuyan.demo.cases import CaseWriter
from liuyan.demo.history import History
from liuyan.demo.places import LINCANG, Places
from liuyan.demo.plans import HANDLING_TARGETS, plan_cases
from liuyan.directory.models import Leader
from liuyan.reports.counts import rebuild_counts

DEFAULT_MESSAGES = 2000
MIN_MESSAGES = 150


@dataclass
class DemoReport:
    """What a run did: nothing (and why), or the counts and the accounts to print."""

    skipped: str = ""
    elapsed: float = 0.0
    states: dict[str, int] = field(default_factory=dict)
    features: dict[str, int] = field(default_factory=dict)
    campaigns: list[tuple[str, str, int]] = field(default_factory=list)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # role label, username, scope


def setup_demo(messages: int = DEFAULT_MESSAGES, *, seed: int = 2026) -> DemoReport:
    """Fill an empty, directory-seeded database with demo data; change nothing if messages already exist."""
    if Message.objects.exists():
        return DemoReport(skipped="数据库中已有留言，演示数据不再生成，未做任何修改。")
    taken = sorted(
        User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).values_list(
            "username", flat=True
        )
    )
    if taken:
        # Taking them over would reset someone's password to the published demo password.
        return DemoReport(skipped=f"用户名 {'、'.join(taken)} 已被使用，为免改动这些账号，演示数据未生成。")
    if messages < MIN_MESSAGES:
        raise ValueError(f"演示留言至少 {MIN_MESSAGES} 条。")
    if not Leader.objects.filter(code=f"{LINCANG}-head").exists():
        raise ValueError("行政区划目录尚未初始化，请先运行 liuyan seed_directory。")
    started = time.monotonic()
    with transaction.atomic(), tasks_dropped():
        build(random.Random(seed), messages)
        # The history was re-dated behind the actions' back: recount the statistics from the messages.
        rebuild_counts()
    report = summarize()
    report.elapsed = time.monotonic() - started
    report.accounts = demo_accounts()
    return report


@contextmanager
def tasks_dropped() -> Iterator[None]:
    """Drop the tasks enqueued in this thread while the block runs.

    Notifications of the invented past are kept as in-site notices, but their delivery is not enqueued: the
    demo's people have no real addresses, and thousands of delivery tasks would only keep a worker busy.
    Like `django.db.connections`, `task_backends` holds a backend per thread: a dummy one, in place for the
    block, receives the enqueue calls (the actions run unchanged) and keeps nothing, while other threads
    enqueue as configured.
    """
    alias = DEFAULT_TASK_BACKEND_ALIAS
    configured = task_backends[alias]
    task_backends[alias] = DummyBackend(alias=alias, params={})
    try:
        yield
    finally:
        task_backends[alias] = configured


def build(rng: random.Random, total: int) -> None:
    """Write the demo: accounts, campaigns, cases through the actions, then lay the history out."""
    places = Places(rng)
    cast = Cast(places, rng)
    cast.create()
    writer = CaseWriter(places, cast, rng)
    writer.create_campaigns()
    plans = plan_cases(rng, total)
    # Cases closed by the periodic check go first: the check closes every replied message whose rating
    # window has passed, and at that moment theirs must be the only replied messages.
    auto = [plan for plan in plans if plan.auto_close]
    for plan in auto:
        writer.run(plan)
    if auto:
        writer.close_unrated([case for case in writer.cases if case.plan.auto_close])
    for plan in plans:
        if not plan.auto_close:
            writer.run(plan)
    set_campaign_state(cast.editor, texts.CAMPAIGNS["business"]["slug"], CampaignState.CLOSED)
    History(writer.cases, cast, writer.campaigns, writer.campaign_windows, rng).lay_out()
    supervise_overdue()
    warn_due_soon()


def summarize() -> DemoReport:
    """What the database holds now: counts by state, the notable cases, the campaigns."""
    now = timezone.now()
    counts = Counter(Message.objects.values_list("state", flat=True))
    handled = list(
        Message.objects.filter(state__in=HANDLING_TARGETS, merged_into=None).only(
            "state", "accept_deadline", "reply_deadline"
        )
    )
    # A joint reply answers several messages in their own right (merged duplicates also join their reply).
    joint = Reply.objects.annotate(answered=Count("messages", filter=Q(messages__merged_into=None)))
    joint = joint.filter(answered__gt=1)
    return DemoReport(
        states={state.label: counts.get(state.value, 0) for state in MessageState},
        features={
            "隐藏": Message.objects.filter(hidden=True).count(),
            "不公开": Message.objects.filter(public=False).count(),
            "匿名": Message.objects.filter(anonymous=True).count(),
            "并单": Message.objects.exclude(merged_into=None).count(),
            "一答多的公开回复": joint.filter(state=ReplyState.PUBLISHED).count(),
            "被退回的回复": Reply.objects.filter(state=ReplyState.SENT_BACK).count(),
            "评价": Rating.objects.count(),
            "追问后重新办理": FollowUp.objects.filter(reopened=True).count(),
            "延期待审批": ExtensionRequest.objects.filter(state=ExtensionState.PENDING).count(),
            "延期已同意": ExtensionRequest.objects.filter(state=ExtensionState.APPROVED).count(),
            "延期未同意": ExtensionRequest.objects.filter(state=ExtensionState.REFUSED).count(),
            "催办": Event.objects.filter(kind=EventKind.REMINDED).count(),
            "督办": Message.objects.filter(supervised=True).count(),
            "批示": Instruction.objects.count(),
            "超期未办": sum(is_overdue(message, now) for message in handled),
            "24 小时内到期": sum(is_due_soon(message, now) for message in handled),
            "点赞": Support.objects.count(),
        },
        campaigns=[
            (campaign.title, campaign.get_state_display(), campaign.messages.count())
            for campaign in Campaign.objects.order_by("opens_at")
        ],
    )
