"""The demo's cases as plans: where each message goes, the state it ends in and what happens on the way.
A showcase every demo has (full queues for every demo account, one of every state and every way a message
can go), then random cases in plausible proportions."""

import random
from dataclasses import dataclass

from liuyan.board.choices import ExtensionState, MessageState
from liuyan.demo.places import CHAOYANG, LINCANG, YUNNAN

TARGET_WEIGHTS = {
    MessageState.PENDING_REVIEW: 2.5,
    MessageState.REJECTED: 3,
    MessageState.WITHDRAWN: 1.5,
    MessageState.PUBLISHED: 3,
    MessageState.ASSIGNED: 3.5,
    MessageState.IN_PROGRESS: 8.5,
    MessageState.REPLY_REVIEW: 2.5,
    MessageState.REPLIED: 5.5,
    MessageState.CLOSED: 70,
}
CATEGORY_WEIGHTS = {"overdue": 20, "due_soon": 20, "in_time": 60}
OVERDUE, DUE_SOON, IN_TIME = "overdue", "due_soon", "in_time"
HANDLING_TARGETS = {MessageState.ASSIGNED, MessageState.IN_PROGRESS, MessageState.REPLY_REVIEW}


@dataclass
class Plan:
    """What will happen in a case: where its message goes, the state it ends in, what happens on the way."""

    target: str
    category: str = ""  # for handling targets: overdue, due_soon or in_time
    kind: str = "single"  # single, merge or joint
    region: str | None = None  # force the message's region
    leader: str | None = None  # force the addressee (leader code)
    domain: str | None = None
    unit: str | None = None  # force the handling unit (code)
    campaign: str | None = None  # a key of texts.CAMPAIGNS
    public: bool = True
    anonymous: bool = False
    urgent: bool = False
    hidden: bool = False
    transfer: bool = False
    returned: bool = False
    remind: bool = False
    supervise: str = ""  # "", "desk" or "leader"
    instruct: bool = False
    extension: str = ""  # "", or an ExtensionState
    sent_back: bool = False
    supplement: bool = False  # a follow-up while the message is handled (does not reopen it)
    reopen: str = ""  # "", "unsatisfied" or "new_question"
    bad_rating: bool = False  # rated unsatisfied and left replied
    auto_close: bool = False  # left unrated, closed by the periodic check when the rating window passes
    supports: int = 0
    duplicates: int = 0  # for a merge
    joint: str = ""  # a key of texts.JOINT_CASES

    @property
    def size(self) -> int:
        if self.kind == "merge":
            return 1 + self.duplicates
        if self.kind == "joint":
            return 4
        return 1


def plan_cases(rng: random.Random, total: int) -> list[Plan]:
    """What the demo's `total` messages go through: the showcase, then random cases, shuffled."""
    plans = showcase_plans()  # 112 messages, within MIN_MESSAGES
    remaining = total - sum(plan.size for plan in plans)
    while remaining > 0:
        plan = random_plan(rng, remaining)
        plans.append(plan)
        remaining -= plan.size
    rng.shuffle(plans)
    return plans


def showcase_plans() -> list[Plan]:
    """Cases every demo has, whatever its size: full queues for each demo account, and at least one of
    every state and every way a message can go."""
    S, plans = MessageState, []
    for unit, domain, region in [
        ("530900-education", "教育", LINCANG),
        ("530900-housing", "城建", LINCANG),
        ("530923-education", "教育", "530923"),
        ("110105-education", "教育", CHAOYANG),
        ("110105-housing", "城建", CHAOYANG),
    ]:
        at = {"unit": unit, "domain": domain, "region": region}
        plans += [
            Plan(S.ASSIGNED, OVERDUE, remind=True, **at),
            Plan(S.ASSIGNED, DUE_SOON, **at),
            Plan(S.IN_PROGRESS, OVERDUE, **at),
            Plan(S.IN_PROGRESS, DUE_SOON, **at),
            Plan(S.IN_PROGRESS, IN_TIME, **at),
            Plan(S.IN_PROGRESS, IN_TIME, extension=ExtensionState.PENDING, **at),
            Plan(S.IN_PROGRESS, IN_TIME, sent_back=True, **at),
            Plan(S.REPLY_REVIEW, IN_TIME, **at),
            Plan(S.REPLIED, **at),
            Plan(S.CLOSED, supports=6, **at),
            Plan(S.CLOSED, extension=ExtensionState.APPROVED, **at),
        ]
    plans += [
        Plan(S.PUBLISHED, region="530902"),
        Plan(S.PUBLISHED, returned=True, region=LINCANG),
        Plan(S.PUBLISHED, hidden=True, region="530921"),
        Plan(S.PUBLISHED, region="530100"),
        Plan(S.PUBLISHED, returned=True, region=YUNNAN),
        Plan(S.PENDING_REVIEW, region="530922"),
        Plan(S.PENDING_REVIEW),
        Plan(S.PENDING_REVIEW, anonymous=True),
        Plan(S.REJECTED),
        Plan(S.REJECTED, region=LINCANG),
        Plan(S.WITHDRAWN),
        Plan(S.WITHDRAWN, region="530923"),
        Plan(S.CLOSED, kind="merge", duplicates=2, region="530902", domain="交通"),
        Plan(S.IN_PROGRESS, IN_TIME, kind="merge", duplicates=1, region="530100", domain="环保"),
        Plan(S.REPLIED, kind="joint", joint="delivery-delay"),
        Plan(S.CLOSED, kind="joint", joint="investor-protection"),
        Plan(S.IN_PROGRESS, IN_TIME, extension=ExtensionState.REFUSED, region="530300"),
        Plan(S.CLOSED, reopen="unsatisfied", unit="530900-education", domain="教育", region=LINCANG),
        Plan(S.IN_PROGRESS, IN_TIME, reopen="new_question", region="530100"),
        Plan(S.REPLIED, bad_rating=True, region="530902"),
        Plan(S.CLOSED, auto_close=True, region=LINCANG),
        Plan(S.CLOSED, auto_close=True),
        Plan(S.IN_PROGRESS, OVERDUE, supervise="desk", region="530924"),
        Plan(S.IN_PROGRESS, IN_TIME, supervise="leader", instruct=True, region="530100"),
        Plan(S.CLOSED, instruct=True, region=LINCANG, supports=12),
        Plan(S.IN_PROGRESS, DUE_SOON, campaign="relief"),
        Plan(S.IN_PROGRESS, OVERDUE, campaign="relief"),
        Plan(S.ASSIGNED, DUE_SOON, campaign="relief"),
        Plan(S.CLOSED, campaign="relief"),
        Plan(S.CLOSED, campaign="relief", region="530923"),
        Plan(S.CLOSED, campaign="suggestions", supports=20),
        Plan(S.CLOSED, campaign="suggestions"),
        Plan(S.IN_PROGRESS, IN_TIME, campaign="suggestions"),
        Plan(S.PUBLISHED, campaign="suggestions"),
        Plan(S.CLOSED, campaign="business"),
        Plan(S.CLOSED, campaign="business"),
        Plan(S.CLOSED, campaign="business", reopen="unsatisfied"),
        Plan(S.CLOSED, unit="central-nhsa", domain="医疗", region="440000", leader="440000-head"),
        Plan(S.IN_PROGRESS, IN_TIME, transfer=True, region="530923", domain="交通"),
        Plan(S.CLOSED, transfer=True),
        Plan(S.CLOSED, public=False),
        Plan(S.IN_PROGRESS, IN_TIME, public=False, region=LINCANG),
        Plan(S.CLOSED, anonymous=True),
        Plan(S.IN_PROGRESS, IN_TIME, anonymous=True, region="530923"),
        Plan(S.CLOSED, hidden=True),
        Plan(S.IN_PROGRESS, OVERDUE, hidden=True, region="530902"),
        Plan(S.IN_PROGRESS, IN_TIME, supplement=True, region="530902"),
        Plan(S.REPLY_REVIEW, OVERDUE, region="530100"),
    ]
    return plans


def random_plan(rng: random.Random, remaining: int) -> Plan:
    S = MessageState
    plan = Plan(weighted(rng, TARGET_WEIGHTS))
    target = plan.target
    handled = target in HANDLING_TARGETS | {S.REPLIED, S.CLOSED}
    if target in HANDLING_TARGETS:
        plan.category = weighted(rng, CATEGORY_WEIGHTS)
    if remaining >= 3 and target in (S.IN_PROGRESS, S.CLOSED) and rng.random() < 0.03:
        plan.kind, plan.duplicates = "merge", rng.randint(1, 2)
    if target not in (S.PENDING_REVIEW, S.REJECTED, S.WITHDRAWN):
        roll = rng.random()
        if roll < 0.04:
            plan.campaign = "suggestions"
        elif roll < 0.055:
            plan.campaign = "relief"
        elif roll < 0.075 and target == S.CLOSED:
            plan.campaign = "business"
    plan.public = rng.random() > 0.07
    plan.anonymous = rng.random() < 0.12
    plan.hidden = target != S.PENDING_REVIEW and rng.random() < 0.02
    plan.returned = rng.random() < (0.2 if target == S.PUBLISHED else 0.04 if handled else 0)
    if handled:
        plan.transfer = rng.random() < 0.07
        plan.supervise = "desk" if rng.random() < 0.05 else ""
        plan.instruct = rng.random() < 0.05
        plan.remind = rng.random() < 0.1
        plan.supplement = rng.random() < 0.05
        # Now and then the desk marks a message urgent: it must be answered within hours.
        plan.urgent = plan.campaign is None and plan.category != IN_TIME and rng.random() < 0.03
    if plan.kind == "single" and target == S.CLOSED:
        plan.reopen = "unsatisfied" if rng.random() < 0.05 else ""
        # (Not in a campaign: a short campaign window may squeeze the case below the rating window.)
        plan.auto_close = not plan.reopen and not plan.campaign and rng.random() < 0.12
    if plan.kind == "single" and target == S.IN_PROGRESS and rng.random() < 0.05:
        plan.reopen = rng.choice(["unsatisfied", "new_question"])
    if target == S.REPLIED:
        plan.bad_rating = rng.random() < 0.25
    if handled and target != S.ASSIGNED and rng.random() < 0.07:
        choices = [ExtensionState.APPROVED, ExtensionState.APPROVED, ExtensionState.REFUSED]
        if target == S.IN_PROGRESS and not plan.reopen:
            choices.append(ExtensionState.PENDING)
        plan.extension = rng.choice(choices)
    if target in (S.IN_PROGRESS, S.REPLY_REVIEW, S.REPLIED, S.CLOSED):
        plan.sent_back = rng.random() < 0.08
    return plan


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]
