"""The permission matrix through the API: every role × every action × inside / outside its scope.

Allowed calls succeed; refused ones answer 404 when the caller cannot see the message at all (outside
looks exactly like missing) and 403 when they can see it but may not act."""

import pytest
from django.utils import timezone

from liuyan.accounts.choices import ROLE_PERMISSIONS, Role
from liuyan.board import lifecycle
from liuyan.board.actions import dispatch, handling, marks, moderation
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.visibility import visible_messages
from liuyan.directory.models import MessageType, Unit
from tests.api_client import ApiClient, ok
from tests.conftest import make_user
from tests.factories import latest_reply, make_message, other_unit, unit_of

pytestmark = pytest.mark.django_db

ROLES = ["author", "citizen", "editor", "dispatcher", "handler", "leader", "admin_user"]
PLATFORM_WIDE = {"editor", "admin_user"}


def request_for(action, message, inside, staff):
    """The (path, body) of one action call, after preparing what the action needs."""
    pk = message.id
    if action == "unhide":
        moderation.hide_message(staff, pk, "测试隐藏")
    if action == "unmark":
        marks.mark_message(staff, pk, "track", "测试标记")
    if action == "decide-extension":
        extension = handling.request_extension(staff, pk, 5, "需要现场勘查")
        return f"/extensions/{extension.id}/decide", {"approve": True}
    if action == "reclassify":
        other = MessageType.objects.exclude(pk=message.message_type_id).order_by("pk").first()
        return f"/messages/{pk}/reclassify", {"message_type": other.code}
    if action == "merge":
        into = make_message(message.author, staff, MessageState.PUBLISHED, inside=inside)
        return f"/messages/{pk}/merge", {"into_id": into.id}
    if action == "reply":
        return f"/messages/{pk}/replies", {"body": "经核实，已安排维修，本月底前完成。"}
    if action == "revisit":
        at = timezone.now().isoformat()  # after the reply, to the microsecond
        body = {"method": "phone", "at": at, "summary": "留言人表示路口已疏导。", "outcome": "satisfied"}
        return f"/messages/{pk}/revisits", body
    if action in ("approve-reply", "send-back-reply"):
        path = f"/replies/{latest_reply(message).id}/{action.removesuffix('-reply')}"
        return path, {"reason": "请补充办理时限。"}
    bodies = {
        "reject": {"reason": "内容与留言对象无关"},
        "hide": {"reason": "含有不当内容"},
        "assign": {"unit_id": unit_of(inside).id},
        "transfer": {"unit_id": other_unit(inside).id, "note": "职责调整"},
        "return": {"reason": "不属本单位职责"},
        "request-extension": {"days": 5, "reason": "需要现场勘查"},
        "instruct": {"text": "请抓紧办理，按时回复。"},
        "rate": {"resolution": 4, "attitude": 4, "speed": 4},
        "followup": {"text": "请问具体什么时候完成？"},
        "reopen": {"reason": "回访仍不满意，请重新办理。"},
        "mark": {"kind": "lead", "note": "可作报道线索"},
        "unmark": {"kind": "track"},
    }
    return f"/messages/{pk}/{action}", bodies.get(action, {})


# The state each step is tried in (one the lifecycle table allows it from). Who may take it comes from the
# table: the author, anyone signed in, or the roles holding one of its permissions. Outside the scope,
# only the platform-wide roles and the author keep their rights; `support` is open to every signed-in
# user on any public message.
STATES = {
    "withdraw": MessageState.PENDING_REVIEW,
    "publish": MessageState.PENDING_REVIEW,
    "reject": MessageState.PENDING_REVIEW,
    "hide": MessageState.PUBLISHED,
    "unhide": MessageState.PUBLISHED,
    "assign": MessageState.PUBLISHED,
    "merge": MessageState.PUBLISHED,
    "support": MessageState.PUBLISHED,
    "accept": MessageState.ASSIGNED,
    "return": MessageState.ASSIGNED,
    "transfer": MessageState.IN_PROGRESS,
    "request-extension": MessageState.IN_PROGRESS,
    "decide-extension": MessageState.IN_PROGRESS,
    "reply": MessageState.IN_PROGRESS,
    "remind": MessageState.IN_PROGRESS,
    "supervise": MessageState.IN_PROGRESS,
    "instruct": MessageState.IN_PROGRESS,
    "mark": MessageState.IN_PROGRESS,
    "unmark": MessageState.IN_PROGRESS,
    "reclassify": MessageState.PUBLISHED,
    "approve-reply": MessageState.REPLY_REVIEW,
    "send-back-reply": MessageState.REPLY_REVIEW,
    "rate": MessageState.REPLIED,
    "followup": MessageState.REPLIED,
    "revisit": MessageState.REPLIED,
    "reopen": MessageState.REPLIED,
}
STAFF_ROLES = {
    "editor": Role.EDITOR,
    "dispatcher": Role.DISPATCHER,
    "handler": Role.HANDLER,
    "leader": Role.LEADER,
    "admin_user": Role.ADMIN,
}


def roles_allowed(step: lifecycle.Step) -> set[str]:
    """The roles the table lets take `step` inside their scope."""
    if step.who == lifecycle.Who.SIGNED_IN:
        return set(ROLES)
    if step.who == lifecycle.Who.AUTHOR:
        return {"author"}
    return {role for role, name in STAFF_ROLES.items() if step.permissions & ROLE_PERMISSIONS[name]}


MATRIX = {step.slug: (STATES[step.slug], roles_allowed(step)) for step in lifecycle.routed()}


def test_every_step_is_tried_in_a_state_the_table_allows():
    assert set(STATES) == set(MATRIX)
    for slug, state in STATES.items():
        assert state in lifecycle.BY_SLUG[slug].allowed_from, slug


def allowed(action: str, role: str, inside: bool) -> bool:
    roles = MATRIX[action][1]
    if role not in roles:
        return False
    return inside or role in PLATFORM_WIDE or role == "author" or action == "support"


@pytest.fixture
def author(db):
    return make_user("author", "citizen")


@pytest.mark.parametrize("inside", [True, False], ids=["inside", "outside"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(MATRIX))
def test_matrix(request, action, role, inside, author, admin_user):
    user = author if role == "author" else request.getfixturevalue(role)
    state = MATRIX[action][0]
    message = make_message(author, admin_user, state, inside=inside)
    path, body = request_for(action, message, inside, admin_user)
    visible = visible_messages(user).filter(pk=message.pk).exists()

    response = ApiClient(user).post(path, body)

    if allowed(action, role, inside):
        assert response.status_code in (200, 201), (action, role, inside, response.content.decode()[:300])
    else:
        expected = 403 if visible else 404
        assert response.status_code == expected, (action, role, inside, response.content.decode()[:300])
        assert response.json()["error"]["code"] in {"forbidden", "not_found"}


# 转办 stays within the holding unit's place: its region or a region under it (a central department:
# the other central departments). Anywhere else goes back through the desk (退回), which assigns anew.
# (holder's unit, target unit, allowed)
TRANSFERS = [
    ("530900-education", "530900-housing", True),  # the same city
    ("530900-education", "530923-education", True),  # down to a county of the city
    ("530923-education", "530900-education", False),  # up from the county to the city
    ("530900-education", "530000-transport", False),  # up to the province
    ("530900-education", "110105-education", False),  # another province: 临沧 → 北京 朝阳区
    ("530923-education", "530902-education", False),  # a neighbouring county
    ("central-moe", "central-mohurd", True),  # a central department to another
    ("central-moe", "530900-education", False),  # a central department down to a city
]


@pytest.mark.parametrize(("holder", "target", "allowed"), TRANSFERS)
def test_transfer_stays_within_the_holding_units_place(holder, target, allowed, author, admin_user):
    message = make_message(author, admin_user, MessageState.PUBLISHED)
    holding, to = Unit.objects.get(code=holder), Unit.objects.get(code=target)
    dispatch.assign_message(admin_user, message.id, holding.id)
    staff = make_user(f"staff-{holder}", "handler", unit=holding)

    response = ApiClient(staff).act(message.id, "transfer", {"unit_id": to.id, "note": "职责调整"})

    message.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content.decode()[:300]
        assert message.unit_id == to.id and message.state == MessageState.ASSIGNED
    else:
        assert response.status_code == 403, response.content.decode()[:300]
        error = response.json()["error"]
        assert error["code"] == "transfer_outside_area"
        assert to.name in error["message"] and "重新交办" in error["message"]
        assert error["fields"] == {"unit_id": error["message"]}
        assert message.unit_id == holding.id  # nothing moved
        assert not message.events.filter(kind=EventKind.TRANSFERRED).exists()
        # What it may do instead: return it to the desk.
        ok(ApiClient(staff).act(message.id, "return", {"reason": "不属本单位职责"}))


def test_the_desk_may_transfer_anywhere_it_could_assign(author, admin_user):
    """An administrator holds the desk's ASSIGN right everywhere: a transfer it makes is not refused."""
    message = make_message(author, admin_user, MessageState.IN_PROGRESS)
    target = unit_of(inside=False)
    ok(ApiClient(admin_user).act(message.id, "transfer", {"unit_id": target.id, "note": "改由北京办理"}))
    message.refresh_from_db()
    assert message.unit_id == target.id
