"""`may_read` (the rule checked on a loaded message, used by every action's `load_message`) agrees with
`visible_messages` (the same rule as a query) for every kind of user and message."""

import pytest
from django.contrib.auth.models import AnonymousUser

from liuyan.accounts.choices import Role
from liuyan.board.actions import moderation
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.board.visibility import may_read, visible_messages
from tests.conftest import make_user
from tests.factories import make_message

pytestmark = pytest.mark.django_db


def test_may_read_agrees_with_visible_messages(
    citizen, editor, dispatcher, handler, other_handler, leader, admin_user
):
    stranger = make_user("stranger", Role.CITIZEN)
    retired = make_user("retired", Role.EDITOR)
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    messages = [
        make_message(citizen, admin_user, state, inside=inside)
        for inside in (True, False)
        for state in (
            MessageState.PENDING_REVIEW,
            MessageState.PUBLISHED,
            MessageState.ASSIGNED,
            MessageState.IN_PROGRESS,
            MessageState.REPLIED,
        )
    ]
    private = make_message(citizen, admin_user, MessageState.ASSIGNED, public=False)
    hidden = make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False)
    moderation.hide_message(admin_user, hidden.pk, "含有他人隐私")
    rejected = make_message(citizen, admin_user)
    moderation.reject_message(admin_user, rejected.pk, "内容重复")
    messages += [private, hidden, rejected]
    users = [
        None,
        AnonymousUser(),
        citizen,
        stranger,
        retired,
        editor,
        dispatcher,
        handler,
        other_handler,
        leader,
        admin_user,
    ]
    loaded = list(Message.objects.select_related("region").filter(pk__in=[m.pk for m in messages]))
    checked = 0
    for user in users:
        visible = set(
            visible_messages(user).filter(pk__in=[m.pk for m in loaded]).values_list("pk", flat=True)
        )
        for message in loaded:
            assert may_read(user, message) == (message.pk in visible), (user, message.serial, message.state)
            checked += 1
    assert checked == len(users) * 13
    # The cases differ: some users see some messages and not others.
    by_pk = {m.pk: m for m in loaded}
    private, hidden = by_pk[private.pk], by_pk[hidden.pk]
    assert not may_read(stranger, private) and may_read(citizen, private) and may_read(handler, private)
    assert not may_read(dispatcher, hidden) and may_read(editor, hidden) and not may_read(retired, hidden)
