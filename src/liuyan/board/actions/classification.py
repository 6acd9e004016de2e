"""Correcting a message's domain (领域) and type (类型): staff set what the citizen chose, often on the
system's suggestion, right before the message is handled."""

from django.db import transaction

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.accounts.scope import can
from liuyan.board import lifecycle
from liuyan.board.actions.base import Forbidden, Invalid, load_message, record_event, require_state
from liuyan.board.announce import changing
from liuyan.board.models import Message
from liuyan.directory import lookups

NOTE_MAX = 500


@transaction.atomic
def reclassify_message(
    user: User,
    message_id: int,
    domain: int | str | None,
    message_type: str | None,
    note: str | None = "",
) -> Message:
    """Set the message's domain (an id, or a top-level name) and type (a code or name); one RECLASSIFIED
    Event saying what changed, announced with `previous_domain` and `previous_type` (the Domain and
    MessageType before), so that the apps above learn the correction. Either may stay as it was; both
    unchanged is refused."""
    message = load_message(message_id, user)
    # Editors (审核) and the desk (交办) alike: either right over the message suffices.
    if not any(can(user, Permission(p), message) for p in lifecycle.RECLASSIFY.permissions):
        raise Forbidden("您没有办理这条留言的权限。")
    require_state(message, lifecycle.RECLASSIFY)
    new_domain = lookups.active_domain(domain) if domain not in (None, "") else message.domain
    if new_domain is None:
        raise Invalid("请选择有效的领域。", field="domain")
    new_type = lookups.active_message_type(message_type) if message_type else message.message_type
    if new_type is None:
        raise Invalid("请选择有效的留言类型。", field="message_type")
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise Invalid(f"说明不能超过 {NOTE_MAX} 个字。", field="note")
    old_domain, old_type = message.domain, message.message_type
    changes = []
    if new_domain.pk != old_domain.pk:
        changes.append(f"领域：{old_domain.name} → {new_domain.name}")
    if new_type.pk != old_type.pk:
        changes.append(f"类型：{old_type.name} → {new_type.name}")
    if not changes:
        raise Invalid("领域和类型都没有改变。", field="domain")
    with changing(message):
        message.domain, message.message_type = new_domain, new_type
        message.save(update_fields=["domain", "message_type"])
    record_event(
        message,
        lifecycle.RECLASSIFY.event,
        user,
        note="；".join(changes) + (f"。{text}" if text else ""),
        context={"previous_domain": old_domain, "previous_type": old_type},
    )
    return message
