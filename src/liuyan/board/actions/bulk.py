"""Bulk actions (批量操作): one workbench action over the rows a user ticked in a queue.

Each row goes through the same action as one by one (the same checks, one Event), in a transaction of its
own: a refused row undoes nothing of the others, and its refusal is reported with the action's Chinese
message. A row outside the user's workbench answers 「留言不存在。」 (or 「回复不存在。」), as its page does.

Assigning "to each row's suggestion" needs the routing suggestions, which the board does not compute
(intelligence sits above it): the caller passes them in as {message id: unit id}.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.board import lifecycle
from liuyan.board.actions import dispatch, moderation, oversight, replies
from liuyan.board.actions.base import (
    MESSAGE_NOT_FOUND,
    ActionError,
    Forbidden,
    Invalid,
    NotFound,
    clean_text,
    load_message,
    require_state,
)
from liuyan.board.models import Message, Reply
from liuyan.board.selectors import workbench_message
from liuyan.board.visibility import visible_messages

# Rows per request: a queue page holds 20–100, and each row is a transaction of its own.
MAX_BULK_IDS = 200
REPLY_NOT_FOUND = "回复不存在。"
NO_SUGGESTION = "没有可用的系统建议单位，请逐条交办。"


@dataclass(frozen=True)
class BulkInput:
    """What the user typed once for all the rows."""

    unit_id: int | None = None  # assign: one unit for every row; None: each row's suggestion
    suggestions: Mapping[int, int] | None = None  # assign: message id → the suggested unit's id
    note: str = ""  # assign, remind, supervise
    reason: str = ""  # hide (required)


@dataclass(frozen=True)
class BulkAction:
    """An action the workbench offers on ticked rows: its lifecycle step, the call for one row, and what
    a done row says."""

    step: lifecycle.Step
    run: Callable[[User, int, BulkInput], Any]  # a Message, or a Reply for approve-reply
    done: Callable[[Any], str]  # what `run` returned → the row's Chinese result

    @property
    def label(self) -> str:
        return self.step.name

    @property
    def on_replies(self) -> bool:
        return self.step.target == lifecycle.Target.REPLY


def _assign(user: User, message_id: int, given: BulkInput) -> Message:
    unit_id = given.unit_id
    if unit_id is None:
        unit_id = (given.suggestions or {}).get(message_id)
    if unit_id is None:
        # The refusal a row would get anyway comes first (missing, not allowed, not in a state to assign).
        message = load_message(message_id, user, Permission.ASSIGN, lock=False)
        require_state(message, lifecycle.ASSIGN)
        raise Invalid(NO_SUGGESTION, code="no_suggestion", field="unit_id")
    return dispatch.assign_message(user, message_id, unit_id, given.note)


BULK_ACTIONS: dict[str, BulkAction] = {
    "publish": BulkAction(
        lifecycle.PUBLISH,
        lambda user, pk, given: moderation.publish_message(user, pk),
        lambda m: f"已刊发，推送到{m.desk.name}。",
    ),
    "hide": BulkAction(
        lifecycle.HIDE,
        lambda user, pk, given: moderation.hide_message(user, pk, given.reason),
        lambda m: "已隐藏。",
    ),
    "assign": BulkAction(lifecycle.ASSIGN, _assign, lambda m: f"已交办给{m.unit.name}。"),
    "approve-reply": BulkAction(
        lifecycle.APPROVE_REPLY,
        lambda user, pk, given: replies.approve_reply(user, pk),
        lambda reply: f"{reply.unit.name}的回复已审核通过并公开。",
    ),
    "remind": BulkAction(
        lifecycle.REMIND,
        lambda user, pk, given: oversight.remind_message(user, pk, given.note),
        lambda m: f"已催办（第 {m.remind_count} 次）。",
    ),
    "supervise": BulkAction(
        lifecycle.SUPERVISE,
        lambda user, pk, given: oversight.supervise_message(user, pk, given.note),
        lambda m: "已列入督办。",
    ),
}
assert all(action.step.slug == slug for slug, action in BULK_ACTIONS.items()), "a bulk action for no step"


@dataclass(frozen=True)
class BulkResult:
    """What became of one row: done, or refused and why (the action's message, in Chinese)."""

    id: int
    serial: str  # "" when the user may not see the row (or it does not exist)
    done: bool
    message: str


def bulk_ids(ids: Iterable[int]) -> list[int]:
    """The ids in the order given, each once; Invalid when there are none or more than MAX_BULK_IDS."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise Invalid("请选择要操作的留言。", code="no_ids", field="ids")
    if len(unique) > MAX_BULK_IDS:
        raise Invalid(
            f"一次最多操作 {MAX_BULK_IDS} 条，已选 {len(unique)} 条，请分批操作。",
            code="too_many_ids",
            field="ids",
        )
    return unique


def run_bulk(user: User, name: str, ids: Iterable[int], given: BulkInput | None = None) -> list[BulkResult]:
    """Run the bulk action `name` on each of `ids` (de-duplicated, at most MAX_BULK_IDS) for `user`: one
    result per id, in the order given. Refuses the whole request (ActionError) only for what concerns
    every row alike: an unknown action, no ids or too many, a missing reason to hide."""
    action = BULK_ACTIONS.get(name)
    if action is None:
        raise NotFound("没有这种批量操作。", code="unknown_action")
    ids = bulk_ids(ids)
    given = given or BulkInput()
    if name == "hide":
        given = replace(
            given, reason=clean_text(given.reason, field="reason", label="隐藏理由", max_length=500)
        )
    serials = _serials(user, ids, replies=action.on_replies)
    results = []
    for pk in ids:
        try:
            # Each action is atomic (a savepoint inside a caller's transaction): a refusal undoes its row.
            done = action.run(user, pk, given)
        except ActionError as error:
            results.append(_refused(user, pk, error, serials, replies=action.on_replies))
        else:
            results.append(BulkResult(pk, serials.get(pk, ""), True, action.done(done)))
    return results


def _serials(user: User, ids: list[int], *, replies: bool) -> dict[int, str]:
    """The serial of each row the user may see: a reply's is that of the messages it answers."""
    if not replies:
        return dict(visible_messages(user).filter(pk__in=ids).values_list("pk", "serial"))
    serials: dict[int, list[str]] = {}
    for reply_id, serial in (
        visible_messages(user).filter(replies__in=ids).order_by("pk").values_list("replies", "serial")
    ):
        serials.setdefault(reply_id, []).append(serial)
    return {reply_id: "、".join(found) for reply_id, found in serials.items()}


def _refused(
    user: User, pk: int, error: ActionError, serials: dict[int, str], *, replies: bool
) -> BulkResult:
    """A refused row; one outside the user's workbench looks missing, as its handling page does (a public
    message is visible to all, so its action alone would answer "not allowed")."""
    missing = REPLY_NOT_FOUND if replies else MESSAGE_NOT_FOUND
    if isinstance(error, NotFound) or (isinstance(error, Forbidden) and not _on_workbench(user, pk, replies)):
        return BulkResult(pk, "", False, missing)
    return BulkResult(pk, serials.get(pk, ""), False, error.message)


def _on_workbench(user: User, pk: int, replies: bool) -> bool:
    if not replies:
        return workbench_message(user, pk) is not None
    message_ids = Reply.messages.through.objects.filter(reply_id=pk).values_list("message_id", flat=True)
    return any(workbench_message(user, message_id) is not None for message_id in message_ids)
