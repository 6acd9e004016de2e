"""The dispatch desk's actions from the workbench: assign with the unit picker, decide extensions, remind
and supervise — in scope, out of scope (404) and without the permission (403)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import handling
from liuyan.board.choices import EventKind, ExtensionState, MessageState
from liuyan.board.models import Event, Message
from tests.conftest import post_action
from tests.factories import make_message, unit_of

pytestmark = pytest.mark.django_db


def test_assign_to_a_unit_in_scope(client, dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    unit = unit_of(True)
    response = post_action(
        client, dispatcher, message, "assign", {"unit_id": unit.pk, "note": "请核实"}, follow=True
    )
    assert f"已交办给{unit.name}" in response.content.decode()
    message.refresh_from_db()
    assert (message.state, message.unit_id) == (MessageState.ASSIGNED, unit.pk)
    assert message.accept_deadline and message.reply_deadline
    event = Event.objects.get(message=message, kind=EventKind.ASSIGNED)
    assert (event.actor, event.note) == (dispatcher, "请核实")


def test_assign_without_a_unit_keeps_the_note_and_the_filter(client, dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    response = post_action(
        client, dispatcher, message, "assign", {"unit_id": "", "note": "请尽快办理", "unit_q": "教育"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert '<p class="error" id="assign-unit_id_error">请选择办理单位。</p>' in html
    assert "请尽快办理</textarea>" in html
    assert response.context["pickers"]["assign"]["query"] == "教育"
    assert message.state == Message.objects.get(pk=message.pk).state == MessageState.PUBLISHED


def test_assign_to_a_unit_outside_the_desks_region_is_refused_next_to_the_field(
    client, dispatcher, citizen, admin_user
):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    beijing = unit_of(False)
    response = post_action(client, dispatcher, message, "assign", {"unit_id": beijing.pk})
    assert response.status_code == 422
    assert "只能交办给本地区的单位或中央部门。" in response.content.decode()


def test_out_of_scope_desk_gets_404(client, dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False)
    assert (
        post_action(client, dispatcher, message, "assign", {"unit_id": unit_of(False).pk}).status_code == 404
    )
    assert post_action(client, dispatcher, message, "supervise").status_code == 404


def test_handler_may_not_assign(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    response = post_action(client, handler, message, "assign", {"unit_id": unit_of(True).pk})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("decision", "state", "moved"),
    [("approve", ExtensionState.APPROVED, True), ("refuse", ExtensionState.REFUSED, False)],
)
def test_decide_an_extension(client, dispatcher, handler, citizen, admin_user, decision, state, moved):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    extension = handling.request_extension(handler, message.pk, 3, "需要现场勘查")
    data = {"extension_id": extension.pk, "decision": decision, "note": "注意时效",
            "next": "/workbench/queues/extensions_pending/"}  # fmt: skip
    response = post_action(client, dispatcher, message, "decide-extension", data)
    assert response["Location"] == "/workbench/queues/extensions_pending/"
    extension.refresh_from_db()
    before = message.reply_deadline
    message.refresh_from_db()
    assert extension.state == state and extension.decision_note == "注意时效"
    assert (message.reply_deadline > before) is moved


def test_decided_extension_cannot_be_decided_again(client, dispatcher, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    extension = handling.request_extension(handler, message.pk, 3, "需要现场勘查")
    data = {"extension_id": extension.pk, "decision": "approve"}
    post_action(client, dispatcher, message, "decide-extension", data)
    response = post_action(client, dispatcher, message, "decide-extension", data, follow=True)
    assert '<li class="error">这份延期申请已审批（已同意）。</li>' in response.content.decode()
    assert Event.objects.filter(message=message, kind=EventKind.EXTENSION_APPROVED).count() == 1


def test_extension_queue_lists_the_request_with_its_decision_form(
    client, dispatcher, handler, citizen, admin_user
):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    extension = handling.request_extension(handler, message.pk, 4, "涉及多个部门")
    client.force_login(dispatcher)
    html = client.get("/workbench/queues/extensions_pending/").content.decode()
    assert "涉及多个部门" in html and f'name="extension_id" value="{extension.pk}"' in html
    assert 'name="decision" value="approve"' in html and 'name="decision" value="refuse"' in html


def test_remind_an_overdue_message_from_the_queue(client, dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    Message.objects.filter(pk=message.pk).update(reply_deadline=timezone.now() - timedelta(days=2))
    client.force_login(dispatcher)
    html = client.get("/workbench/queues/desk_overdue/").content.decode()
    assert f'action="/workbench/messages/{message.pk}/remind/"' in html
    response = post_action(client, dispatcher, message, "remind", {"next": "/workbench/queues/desk_overdue/"})
    assert response["Location"] == "/workbench/queues/desk_overdue/"
    message.refresh_from_db()
    assert message.remind_count == 1
    assert Event.objects.filter(message=message, kind=EventKind.REMINDED).exists()


def test_supervise_once(client, dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    post_action(client, dispatcher, message, "supervise", {"note": "群众反映强烈"})
    message.refresh_from_db()
    assert message.supervised
    response = post_action(client, dispatcher, message, "supervise", follow=True)
    assert "这条留言已在督办中。" in response.content.decode()
