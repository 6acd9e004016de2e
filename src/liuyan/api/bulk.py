"""Bulk actions (批量操作): one action over many messages (or replies in review), each row through the
same board action as one by one, with one result per row (board/actions/bulk.py)."""

from ninja import Field, Router, Schema

from liuyan.accounts.models import User
from liuyan.api.auth import signed_in
from liuyan.api.errors import ApiError
from liuyan.api.fields import Id, Line, Text
from liuyan.api.messages import ERRORS
from liuyan.board.actions.bulk import BULK_ACTIONS, BulkInput, BulkResult, bulk_ids, run_bulk
from liuyan.intelligence.routing_choice import page_suggestions

router = Router(tags=["留言"])

# Raw entries a body may list, duplicates included; the board takes at most MAX_BULK_IDS distinct ids.
MAX_LISTED_IDS = 1000


def run_bulk_action(
    user: User, name: str, ids: list[int], *, unit_id: int | None = None, note: str = "", reason: str = ""
) -> list[BulkResult]:
    """The bulk action `name` for `user` on `ids`; assigning without a unit sends each message to its best
    routing suggestion that the user may assign to. Used by this endpoint and the workbench's form."""
    if name not in BULK_ACTIONS:
        raise ApiError(404, "unknown_action", f"没有这种批量操作：{name[:40]}。")
    suggestions = None
    if name == "assign" and unit_id is None:
        # Those the queue's page showed (kept ten minutes per user and message): each row goes where the
        # desk saw it would, and the classifier does not run again for rows just shown.
        shown = page_suggestions(user, bulk_ids(ids))
        suggestions = {pk: suggestion.unit.pk for pk, suggestion in shown.items()}
    given = BulkInput(unit_id=unit_id, suggestions=suggestions, note=note, reason=reason)
    return run_bulk(user, name, ids, given)


class BulkIn(Schema):
    ids: list[Id] = Field(
        max_length=MAX_LISTED_IDS,
        description="留言 id（approve-reply 为回复 id），重复的只算一次，最多 200 条",
    )
    unit_id: Id | None = Field(None, description="assign：全部交办给这个单位；不填则各自交办给系统建议单位")
    note: Text = Field("", max_length=500, description="assign、remind、supervise 的说明")
    reason: Text = Field("", max_length=500, description="hide 的理由（必填）")


class BulkResultOut(Schema):
    id: int
    serial: str | None = Field(description="留言编号；无权查看或不存在时为 null")
    done: bool
    message: str = Field(description="完成情况或未完成的原因")


class BulkOut(Schema):
    action: str
    results: list[BulkResultOut]
    done: int
    refused: int


@router.post(
    "/messages/bulk/{action}",
    response={200: BulkOut, **ERRORS},
    auth=signed_in,
    summary="批量操作",
    description=(
        "action：publish（刊发）、hide（隐藏）、assign（交办）、approve-reply（回复通过审核）、"
        "remind（催办）、supervise（督办）。每条单独办理，一条未完成不影响其他各条；逐条返回结果。"
    ),
)
def bulk(request, action: Line, payload: BulkIn):
    results = run_bulk_action(
        request.auth,
        action,
        payload.ids,
        unit_id=payload.unit_id,
        note=payload.note,
        reason=payload.reason,
    )
    return bulk_payload(action, results)


def bulk_payload(action: str, results: list[BulkResult]) -> dict:
    done = sum(result.done for result in results)
    return {
        "action": action,
        "results": [
            {"id": r.id, "serial": r.serial or None, "done": r.done, "message": r.message} for r in results
        ],
        "done": done,
        "refused": len(results) - done,
    }
