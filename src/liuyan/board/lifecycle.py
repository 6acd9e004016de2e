"""The message lifecycle as one table: each step, the states it is allowed from, the state it leads to,
who may take it and the Event it writes.

The actions check their state with `require_state(message, step)` and change it with
`transition(message, step, ...)`; the workbench offers, the API routes and the permission-matrix test
iterates what this table says. docs/lifecycle.md is generated from it (`liuyan lifecycle_doc --write`).

A step is either an action someone takes (`routed`: it has a URL, `/api/v1/messages/<id>/<slug>` or
`/workbench/messages/<id>/<slug>/` when it acts on a message) or what follows from one (`close` after a
satisfied rating, `reopen` after a follow-up), which no URL reaches by itself."""

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from liuyan.accounts.choices import Permission
from liuyan.board.choices import (
    HANDLING_STATES,
    MERGEABLE_STATES,
    PUBLIC_STATES,
    EventKind,
    MessageState,
)

S = MessageState
ANY_STATE = frozenset(MessageState)


class Who(StrEnum):
    """Who may take a step, besides what the scope module checks."""

    STAFF = "staff"  # whoever holds one of the step's permissions over the message
    AUTHOR = "author"  # the message's author only
    SIGNED_IN = "signed_in"  # any signed-in user who can see the message
    SYSTEM = "system"  # follows from another step or from a periodic task


class Target(StrEnum):
    """What the id in the step's URL names."""

    MESSAGE = "message"
    REPLY = "reply"  # the reply under review, which may answer several messages
    EXTENSION = "extension"  # the extension request to decide


@dataclass(frozen=True)
class Step:
    slug: str
    name: str  # the verb in refusals: “这条留言当前状态为“…”，不能{name}。”
    allowed_from: frozenset[str]
    to_state: str | None  # None: the state stays (the Event records what happened)
    who: Who
    events: tuple[str, ...]  # the Event kinds it writes; the first when it changes the state
    permissions: frozenset[str] = frozenset()  # any one of them suffices (Who.STAFF)
    target: Target = Target.MESSAGE
    routed: bool = True
    # Older URL slugs still accepted for this step (the API path is a public contract).
    aliases: tuple[str, ...] = ()
    when: str = ""  # for a step that follows another: when it does (English, for the docs)

    @property
    def event(self) -> str:
        return self.events[0]

    @property
    def slugs(self) -> tuple[str, ...]:
        return (self.slug, *self.aliases)

    def __post_init__(self):
        assert self.allowed_from or self.slug == "submit", self.slug
        assert (self.who == Who.STAFF) == bool(self.permissions), self.slug


def _states(*states: str) -> frozenset[str]:
    return frozenset(states)


SUBMIT = Step(
    "submit",
    "提交",
    _states(),
    S.PENDING_REVIEW,
    Who.SIGNED_IN,
    (EventKind.SUBMITTED,),
    routed=False,
    when="`POST /api/v1/messages` or the 我要留言 page",
)
WITHDRAW = Step(
    "withdraw", "撤回", _states(S.PENDING_REVIEW), S.WITHDRAWN, Who.AUTHOR, (EventKind.WITHDRAWN,)
)
PUBLISH = Step(
    "publish",
    "刊发",
    _states(S.PENDING_REVIEW),
    S.PUBLISHED,
    Who.STAFF,
    (EventKind.PUBLISHED,),
    _states(Permission.MODERATE),
)
REJECT = Step(
    "reject",
    "审核",
    _states(S.PENDING_REVIEW),
    S.REJECTED,
    Who.STAFF,
    (EventKind.REJECTED,),
    _states(Permission.MODERATE),
)
HIDE = Step("hide", "隐藏", ANY_STATE, None, Who.STAFF, (EventKind.HIDDEN,), _states(Permission.MODERATE))
UNHIDE = Step(
    "unhide", "取消隐藏", ANY_STATE, None, Who.STAFF, (EventKind.UNHIDDEN,), _states(Permission.MODERATE)
)
SUPPORT = Step("support", "点赞", PUBLIC_STATES, None, Who.SIGNED_IN, ())
ASSIGN = Step(
    "assign",
    "交办",
    _states(S.PUBLISHED, S.ASSIGNED),
    S.ASSIGNED,
    Who.STAFF,
    (EventKind.ASSIGNED,),
    _states(Permission.ASSIGN),
)
MERGE = Step(
    "merge",
    "并单",
    MERGEABLE_STATES,
    None,
    Who.STAFF,
    (EventKind.MERGED,),
    _states(Permission.ASSIGN, Permission.MODERATE),
)
ACCEPT = Step(
    "accept",
    "受理",
    _states(S.ASSIGNED),
    S.IN_PROGRESS,
    Who.STAFF,
    (EventKind.ACCEPTED,),
    _states(Permission.HANDLE),
)
TRANSFER = Step(
    "transfer",
    "转办",
    _states(S.ASSIGNED, S.IN_PROGRESS),
    S.ASSIGNED,
    Who.STAFF,
    (EventKind.TRANSFERRED,),
    _states(Permission.HANDLE),
)
RETURN = Step(
    "return",
    "退回",
    _states(S.ASSIGNED, S.IN_PROGRESS),
    S.PUBLISHED,
    Who.STAFF,
    (EventKind.RETURNED,),
    _states(Permission.HANDLE),
)
REQUEST_EXTENSION = Step(
    "request-extension",
    "申请延期",
    _states(S.IN_PROGRESS),
    None,
    Who.STAFF,
    (EventKind.EXTENSION_REQUESTED,),
    _states(Permission.HANDLE),
    aliases=("extension",),
)
DECIDE_EXTENSION = Step(
    "decide-extension",
    "审批延期",
    HANDLING_STATES,
    None,
    Who.STAFF,
    (EventKind.EXTENSION_APPROVED, EventKind.EXTENSION_REFUSED),
    _states(Permission.DECIDE_EXTENSION),
    target=Target.EXTENSION,
)
# From `replied`: the unit's answer to a 追问 waiting in its queue (replies.submit_reply checks there is one).
REPLY = Step(
    "reply",
    "回复",
    _states(S.IN_PROGRESS, S.REPLIED),
    S.REPLY_REVIEW,
    Who.STAFF,
    (EventKind.REPLY_SUBMITTED,),
    _states(Permission.HANDLE),
)
APPROVE_REPLY = Step(
    "approve-reply",
    "发布回复",
    _states(S.REPLY_REVIEW),
    S.REPLIED,
    Who.STAFF,
    (EventKind.REPLY_APPROVED,),
    _states(Permission.REVIEW_REPLY),
    target=Target.REPLY,
)
SEND_BACK_REPLY = Step(
    "send-back-reply",
    "退回回复",
    _states(S.REPLY_REVIEW),
    S.IN_PROGRESS,
    Who.STAFF,
    (EventKind.REPLY_SENT_BACK,),
    _states(Permission.REVIEW_REPLY),
    target=Target.REPLY,
)
REMIND = Step(
    "remind", "催办", HANDLING_STATES, None, Who.STAFF, (EventKind.REMINDED,), _states(Permission.REMIND)
)
SUPERVISE = Step(
    "supervise",
    "督办",
    HANDLING_STATES | {S.PUBLISHED},
    None,
    Who.STAFF,
    (EventKind.SUPERVISED,),
    _states(Permission.SUPERVISE),
)
INSTRUCT = Step(
    "instruct", "批示", PUBLIC_STATES, None, Who.STAFF, (EventKind.INSTRUCTED,), _states(Permission.INSTRUCT)
)
# An editor's 跟踪督办 / 报道线索 mark: staff-only, in any state (a rejected message may still be a lead).
MARK = Step("mark", "标记", ANY_STATE, None, Who.STAFF, (EventKind.MARKED,), _states(Permission.MODERATE))
UNMARK = Step(
    "unmark", "取消标记", ANY_STATE, None, Who.STAFF, (EventKind.UNMARKED,), _states(Permission.MODERATE)
)
# Staff correct the domain or type the citizen chose (with the system's suggestion) before it is handled;
# intelligence records each change as a correction that retraining learns from.
RECLASSIFY = Step(
    "reclassify",
    "修改领域或类型",
    _states(S.PENDING_REVIEW, S.PUBLISHED, S.ASSIGNED, S.IN_PROGRESS),
    None,
    Who.STAFF,
    (EventKind.RECLASSIFIED,),
    _states(Permission.MODERATE, Permission.ASSIGN),
)
RATE = Step("rate", "评价", _states(S.REPLIED), None, Who.AUTHOR, (EventKind.RATED,))
FOLLOW_UP = Step(
    "followup",
    "追问",
    _states(S.ASSIGNED, S.IN_PROGRESS, S.REPLY_REVIEW, S.REPLIED),
    None,
    Who.AUTHOR,
    (EventKind.FOLLOWED_UP,),
)
# 回访: the unit that handled the message or its desk records a visit to the citizen after the reply.
REVISIT = Step(
    "revisit",
    "回访",
    _states(S.REPLIED, S.CLOSED),
    None,
    Who.STAFF,
    (EventKind.REVISITED,),
    _states(Permission.HANDLE, Permission.ASSIGN),
)
# 重新办理: the desk sends a replied (or closed) message back to the unit that handled it, with a reason.
REOPEN = Step(
    "reopen",
    "重新办理",
    _states(S.REPLIED, S.CLOSED),
    S.IN_PROGRESS,
    Who.STAFF,
    (EventKind.REOPENED,),
    _states(Permission.ASSIGN),
)
# What follows from the steps above, with no URL of its own.
CLOSE = Step(
    "close",
    "办结",
    _states(S.REPLIED),
    S.CLOSED,
    Who.SYSTEM,
    (EventKind.CLOSED,),
    routed=False,
    when="after a rating averaging 3 or more whose 解决程度 is above the region's revisit threshold (rate), "
    "after a satisfied revisit of a message awaiting one (revisit), or when the rating window ends "
    "(periodic task; a message awaiting its first revisit or an answer to a follow-up stays open)",
)
REOPEN_ON_FOLLOW_UP = Step(
    "follow-up-reopen",
    "重新办理",
    _states(S.REPLIED),
    S.IN_PROGRESS,
    Who.SYSTEM,
    (EventKind.REOPENED,),
    routed=False,
    when="after a follow-up asking a new question (followup); the message is then supervised",
)
ANSWER_MERGED = Step(
    "answer-merged",
    "发布回复",
    MERGEABLE_STATES,
    S.REPLIED,
    Who.SYSTEM,
    (EventKind.REPLY_APPROVED,),
    routed=False,
    when="after approve-reply, for each message merged into one it answers",
)

STEPS: tuple[Step, ...] = (
    SUBMIT,
    WITHDRAW,
    PUBLISH,
    REJECT,
    HIDE,
    UNHIDE,
    SUPPORT,
    ASSIGN,
    MERGE,
    ACCEPT,
    TRANSFER,
    RETURN,
    REQUEST_EXTENSION,
    DECIDE_EXTENSION,
    REPLY,
    APPROVE_REPLY,
    SEND_BACK_REPLY,
    REMIND,
    SUPERVISE,
    INSTRUCT,
    MARK,
    UNMARK,
    RECLASSIFY,
    RATE,
    FOLLOW_UP,
    REVISIT,
    REOPEN,
    CLOSE,
    REOPEN_ON_FOLLOW_UP,
    ANSWER_MERGED,
)
BY_SLUG: dict[str, Step] = {slug: step for step in STEPS for slug in step.slugs}
assert len(BY_SLUG) == sum(len(step.slugs) for step in STEPS), "a slug names two steps"


def routed(target: Target | None = None) -> Iterator[Step]:
    """The steps someone takes through a URL, in the table's order; with `target`, those on that object."""
    return (s for s in STEPS if s.routed and (target is None or s.target == target))


def roles_allowed(step: Step, role_permissions: dict[str, frozenset[str]]) -> set[str]:
    """The roles whose permissions let them take `step` (staff steps) within their scope."""
    return {role for role, granted in role_permissions.items() if step.permissions & granted}


# ---- The document (docs/lifecycle.md) ------------------------------------------------------------------

_WHO = {
    Who.STAFF: "",
    Who.AUTHOR: "the author",
    Who.SIGNED_IN: "anyone signed in",
    Who.SYSTEM: "follows another step",
}


def _state_list(states: frozenset[str]) -> str:
    if not states:
        return "—"
    if states == ANY_STATE:
        return "any"
    return ", ".join(f"`{s}`" for s in MessageState.values if s in states)


def _who(step: Step) -> str:
    if step.who == Who.STAFF:
        return " or ".join(f"`{p}`" for p in Permission.values if p in step.permissions)
    return _WHO[step.who]


def mermaid() -> str:
    """The state diagram (Mermaid `stateDiagram-v2`) of the steps that change the state."""
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{state.label} {state.value}" as {state.value}' for state in MessageState]
    for step in STEPS:
        if step.to_state is None:
            continue
        label = f"{step.name} {step.slug}"
        sources = [s for s in MessageState.values if s in step.allowed_from] or ["[*]"]
        lines += [f"    {source} --> {step.to_state} : {label}" for source in sources]
    for end in (S.REJECTED, S.WITHDRAWN, S.CLOSED):
        lines.append(f"    {end} --> [*]")
    return "\n".join(lines)


def markdown() -> str:
    """docs/lifecycle.md: the diagram and the table, generated from STEPS."""
    rows = [
        "| step | 名称 | allowed from | leads to | who | event | on |",
        "|---|---|---|---|---|---|---|",
    ]
    for step in STEPS:
        slug = f"`{step.slug}`" + "".join(f" (also `{alias}`)" for alias in step.aliases)
        events = ", ".join(f"`{kind}`" for kind in step.events) or "—"
        on = step.target.value if step.routed else step.when
        to_state = f"`{step.to_state}`" if step.to_state else "—"
        rows.append(
            f"| {slug} | {step.name} | {_state_list(step.allowed_from)} | {to_state} | {_who(step)} "
            f"| {events} | {on} |"
        )
    states = [f"| `{state.value}` | {state.label} |" for state in MessageState]
    return "\n".join(
        [
            "# The message lifecycle",
            "",
            "Generated from `src/liuyan/board/lifecycle.py` by `liuyan lifecycle_doc --write`; do not edit "
            "by hand (a test fails when this file differs from the table).",
            "",
            "Every step is one action function in `board/actions/`, runs in one transaction, checks the "
            "actor's permission (through `accounts.scope`) and the message's state (an illegal step answers "
            "409 `illegal_state`, with “不能<名称>”), and writes its Event rows. Hiding does not change the "
            "state: a hidden message is kept, and handled, out of public view.",
            "",
            "```mermaid",
            mermaid(),
            "```",
            "",
            "## Steps",
            "",
            "*who*: the permissions of `accounts.choices.Permission` of which one suffices, within the "
            "user's scope. *on*: what the id in the step's URL names, or when a step without a URL of "
            "its own follows. A step on a message is `POST /api/v1/messages/<id>/<step>` and, for staff, "
            "`/workbench/messages/<id>/<step>/`; the API has its own paths for `reply` "
            "(`/messages/<id>/replies`), `approve-reply` and `send-back-reply` (`/replies/<id>/approve`, "
            "`/replies/<id>/send-back`) and `decide-extension` (`/extensions/<id>/decide`).",
            "",
            *rows,
            "",
            "## States",
            "",
            "| state | 名称 |",
            "|---|---|",
            *states,
            "",
        ]
    )
