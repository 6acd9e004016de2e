"""Editors' marks on a message (跟踪督办 / 报道线索): an editor follows a message's handling or keeps it as a
lead for reporting, with a note, and clears the mark when done. Staff-only: the Events are not on the
public timeline."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.board.actions.base import Conflict, Invalid, load_message, record_event
from liuyan.board.choices import EventKind, MarkKind
from liuyan.board.models import EditorMark

NOTE_MAX = 500


def _kind(kind: str | None) -> MarkKind:
    if kind not in MarkKind.values:
        raise Invalid("请选择标记类型：跟踪督办或报道线索。", field="kind")
    return MarkKind(kind)


@transaction.atomic
def mark_message(editor: User, message_id: int, kind: str | None, note: str | None = "") -> EditorMark:
    """Mark the message 跟踪督办 or 报道线索 (one open mark of each kind); one MARKED Event."""
    message = load_message(message_id, editor, Permission.MODERATE)
    mark_kind = _kind(kind)
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise Invalid(f"标记说明不能超过 {NOTE_MAX} 个字。", field="note")
    if message.marks.filter(kind=mark_kind, cleared_at=None).exists():
        raise Conflict(f"这条留言已标记为{mark_kind.label}。", code="already_marked", field="kind")
    try:
        with transaction.atomic():
            mark = EditorMark.objects.create(message=message, kind=mark_kind, note=text, marked_by=editor)
    except IntegrityError:  # marked at the same moment by another editor
        raise Conflict(f"这条留言已标记为{mark_kind.label}。", code="already_marked", field="kind") from None
    record_event(message, EventKind.MARKED, editor, note=f"{mark_kind.label}" + (f"：{text}" if text else ""))
    return mark


@transaction.atomic
def unmark_message(editor: User, message_id: int, kind: str | None, note: str | None = "") -> EditorMark:
    """Clear the message's open mark of `kind`; the row stays, with who cleared it and when."""
    message = load_message(message_id, editor, Permission.MODERATE)
    mark_kind = _kind(kind)
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise Invalid(f"说明不能超过 {NOTE_MAX} 个字。", field="note")
    mark = message.marks.select_for_update().filter(kind=mark_kind, cleared_at=None).first()
    if mark is None:
        raise Conflict(f"这条留言没有{mark_kind.label}标记。", code="not_marked", field="kind")
    mark.cleared_by, mark.cleared_at = editor, timezone.now()
    mark.save(update_fields=["cleared_by", "cleared_at"])
    record_event(
        message, EventKind.UNMARKED, editor, note=f"取消{mark_kind.label}" + (f"：{text}" if text else "")
    )
    return mark
