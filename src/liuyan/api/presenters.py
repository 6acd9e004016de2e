"""What the API shows of a message, reply or event to a given viewer: masked for the public, complete
for the author and for staff in scope (DESIGN.md §3; the privacy rules of the lifecycle issue)."""

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from liuyan.board import lifecycle, selectors
from liuyan.board.choices import EventKind, ExtensionState, MessageState, RevisitMethod, RevisitOutcome
from liuyan.board.models import Attachment, Event, Message, Reply, Revisit
from liuyan.board.privacy import mask_reply, mask_text, public_author_name
from liuyan.intelligence.reply_quality import quality_of_reply

# Event notes the public may read; other notes are internal.
PUBLIC_NOTE_KINDS = {EventKind.MERGED, EventKind.SUPERVISED, EventKind.REVISITED}
AUTHOR_EXTRA_KINDS = {EventKind.REJECTED, EventKind.WITHDRAWN, EventKind.RETURNED}


def author_name(message: Message) -> str:
    """The author as the public sees them, whoever reads: never the login name (staff find it under
    "staff")."""
    return public_author_name(message.author.nickname, anonymous=message.anonymous)


def region_ref(message: Message) -> dict | None:
    """The place a message concerns, as the API names it; None when it names none (a ministry's message)."""
    return {"code": message.region_id, "name": message.region.name} if message.region_id else None


def message_summary(message: Message, viewer, *, originals: bool | None = None) -> dict:
    """A message as list rows show it."""
    if originals is None:
        originals = selectors.sees_originals(viewer, message)
    text = (lambda s: s) if originals else mask_text
    data = {
        "id": message.id,
        "serial": message.serial,
        "title": text(message.title),
        "body": text(message.body),
        "state": message.state,
        "state_label": MessageState(message.state).label,
        "hidden": message.hidden,
        "public": message.public,
        "anonymous": message.anonymous,
        "urgent": message.urgent,
        "supervised": message.supervised,
        "type": {"code": message.message_type.code, "name": message.message_type.name},
        "domain": {"id": message.domain_id, "name": message.domain.name},
        "region": region_ref(message),
        "leader": {"id": message.leader_id, "title": message.leader.title},
        "campaign": message.campaign.slug if message.campaign_id else None,
        "author": author_name(message),
        "support_count": message.support_count,
        "merged_into": message.merged_into_id,
        "created_at": message.created_at,
        "published_at": message.published_at,
        "assigned_at": message.assigned_at,
        "accepted_at": message.accepted_at,
        "replied_at": message.replied_at,
        "closed_at": message.closed_at,
        "staff": None,
    }
    if selectors.is_staff_viewer(viewer, message):
        now = timezone.now()
        pending = next((e for e in message.extensions.all() if e.state == ExtensionState.PENDING), None)
        data["staff"] = {
            "author_username": message.author.username,
            "contact_phone": message.contact_phone,
            "desk": {"id": message.desk_id, "name": message.desk.name},
            "unit": {"id": message.unit_id, "name": message.unit.name} if message.unit_id else None,
            # Before it is (again) assigned, no deadline runs: a returned message's old ones are history.
            "accept_deadline": None if message.state == MessageState.PUBLISHED else message.accept_deadline,
            "reply_deadline": None if message.state == MessageState.PUBLISHED else message.reply_deadline,
            "overdue": selectors.is_overdue(message, now),
            "due_soon": selectors.is_due_soon(message, now),
            "remind_count": message.remind_count,
            "pending_extension_id": pending.id if pending else None,
        }
    return data


def returned_payload(message: Message) -> dict | None:
    """For staff: the return (退回) that sent a message back to its desk, if one did — which unit, when,
    why."""
    event = (
        message.events.filter(kind=EventKind.RETURNED)
        .select_related("unit")
        .order_by("-created_at", "-id")
        .first()
    )
    if event is None:
        return None
    return {"unit": event.unit.name if event.unit_id else "", "at": event.created_at, "reason": event.note}


def event_payload(event: Event, *, staff: bool, author: bool) -> dict:
    show_note = staff or event.kind in PUBLIC_NOTE_KINDS or (author and event.kind in AUTHOR_EXTRA_KINDS)
    return {
        "kind": event.kind,
        "label": EventKind(event.kind).label,
        "at": event.created_at,
        "from_state": event.from_state or None,
        "to_state": event.to_state or None,
        "unit": event.unit.name if event.unit_id else None,
        "note": event.note if show_note else "",
        "by_system": event.actor_id is None,
        # Who took it (留言人, 留言板编辑, the desk, the unit…: selectors.label_actors), and where it sent
        # the message for an assignment or a transfer.
        "by": event.by,
        "to": event.to,
    }


def reply_payload(
    reply: Reply, *, originals: bool, for_message: int | None = None, quality: bool = False
) -> dict:
    """A reply; with quality, its quality score for staff who review it (advice only)."""
    return {
        "id": reply.id,
        "body": reply.body if originals else mask_reply(reply.body),
        "unit": {"id": reply.unit_id, "name": reply.unit.name},
        "state": reply.state,
        "created_at": reply.created_at,
        "published_at": reply.reviewed_at if reply.state == "published" else None,
        "review_note": reply.review_note if originals else "",
        "message_ids": [m.id for m in reply.messages.all()],
        "joint_with": [
            {"id": m.id, "serial": m.serial, "title": m.title if originals else mask_text(m.title)}
            for m in reply.messages.all()
            if m.id != for_message
        ],
        "quality": quality_of_reply(reply).as_dict() if quality else None,
    }


def revisit_payload(revisit: Revisit, *, staff: bool) -> dict:
    """A 回访: how, when, by which unit and the outcome to everyone; what the citizen said and who called
    to staff only."""
    return {
        "id": revisit.id,
        "method": revisit.method,
        "method_label": RevisitMethod(revisit.method).label,
        "at": revisit.at,
        "outcome": revisit.outcome,
        "outcome_label": RevisitOutcome(revisit.outcome).label,
        "unit": revisit.unit.name,
        "summary": revisit.summary if staff else None,
        "by": revisit.by.display_name if staff else None,
    }


def after_reply(message: Message) -> dict:
    return {
        "awaiting_revisit": message.awaiting_revisit and message.state == MessageState.REPLIED,
        "follow_up_open": message.state in lifecycle.FOLLOW_UP.allowed_from,
        "follow_up_deadline": message.follow_up_deadline if message.state == MessageState.REPLIED else None,
    }


def attachment_payload(attachment: Attachment) -> dict:
    """An attachment under its neutral name (附件1.jpg), to everyone: the uploaded name is not kept."""
    return {
        "id": attachment.id,
        "name": attachment.label,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse(
            "api-v1:message_attachment",
            kwargs={"message_id": attachment.message_id, "attachment_id": attachment.id},
        ),
    }


def message_detail(message: Message, viewer) -> dict:
    staff = selectors.is_staff_viewer(viewer, message)
    if staff:
        prefetch_related_objects([message], "extensions")
    author = getattr(viewer, "id", None) == message.author_id
    originals = staff or author
    events = selectors.timeline(message, staff=staff)
    if author and not staff:
        extra = message.events.select_related("unit").filter(kind__in=AUTHOR_EXTRA_KINDS)
        events = selectors.label_actors(
            message, sorted({*events, *extra}, key=lambda e: (e.created_at, e.id))
        )
    data = message_summary(message, viewer, originals=originals)
    if staff and message.state == MessageState.PUBLISHED and message.unit_id is None:
        data["staff"]["returned"] = returned_payload(message)
    data.update(
        after_reply=after_reply(message),
        timeline=[event_payload(e, staff=staff, author=author) for e in events],
        replies=[
            reply_payload(
                r, originals=originals, for_message=message.id, quality=staff and r.state == "in_review"
            )
            for r in selectors.replies_of(message, staff=staff or author)
            if staff or r.state == "published"
        ],
        ratings=[
            {
                "resolution": r.resolution,
                "attitude": r.attitude,
                "speed": r.speed,
                "comment": r.comment if originals else mask_text(r.comment),
                "created_at": r.created_at,
            }
            for r in message.ratings.order_by("created_at", "id")
        ],
        follow_ups=[
            {
                "body": f.body if originals else mask_text(f.body),
                "created_at": f.created_at,
                "reopened": f.reopened,
                "answer_deadline": f.answer_deadline,
            }
            for f in message.follow_ups.all()
        ],
        # A revisit follows a reply: a message never replied to has none to read.
        revisits=[
            revisit_payload(r, staff=staff)
            for r in message.revisits.select_related("unit", "by").order_by("at", "id")
        ]
        if message.replied_at
        else [],
        attachments=[attachment_payload(a) for a in message.attachments.all()],
        instructions=[
            {"leader": i.leader.title, "text": i.text, "created_at": i.created_at}
            for i in message.instructions.select_related("leader")
        ]
        if staff
        else [],
        extensions=[
            {
                "id": e.id,
                "days": e.days,
                "reason": e.reason,
                "state": e.state,
                "created_at": e.created_at,
                "decision_note": e.decision_note,
            }
            for e in message.extensions.all()
        ]
        if staff
        else [],
    )
    return data
