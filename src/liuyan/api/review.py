"""Review endpoints: editors approve or send back replies; desks decide extension requests."""

from ninja import Field, Router, Schema

from liuyan.api import presenters
from liuyan.api.auth import signed_in
from liuyan.api.fields import Id, Text
from liuyan.api.messages import ERRORS, ReplyOut
from liuyan.board.actions import handling, replies

router = Router(tags=["审核与审批"])


class ReasonIn(Schema):
    reason: Text


class DecisionIn(Schema):
    approve: bool
    note: Text = Field("", max_length=1000)


class ExtensionDecisionOut(Schema):
    id: int
    state: str
    days: int
    message_id: int


@router.post(
    "/replies/{reply_id}/approve", response={200: ReplyOut, **ERRORS}, auth=signed_in, summary="回复通过审核"
)
def approve(request, reply_id: Id):
    reply = replies.approve_reply(request.auth, reply_id)
    return presenters.reply_payload(reply, originals=True, quality=True)


@router.post(
    "/replies/{reply_id}/send-back", response={200: ReplyOut, **ERRORS}, auth=signed_in, summary="退回回复"
)
def send_back(request, reply_id: Id, payload: ReasonIn):
    reply = replies.send_back_reply(request.auth, reply_id, payload.reason)
    return presenters.reply_payload(reply, originals=True, quality=True)


@router.post(
    "/extensions/{extension_id}/decide",
    response={200: ExtensionDecisionOut, **ERRORS},
    auth=signed_in,
    summary="审批延期申请",
)
def decide(request, extension_id: Id, payload: DecisionIn):
    extension = handling.decide_extension(request.auth, extension_id, payload.approve, payload.note)
    return {
        "id": extension.id,
        "state": extension.state,
        "days": extension.days,
        "message_id": extension.message_id,
    }
