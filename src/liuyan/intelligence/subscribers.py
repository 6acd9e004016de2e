"""What intelligence does when the board announces a change (board/announce.py), inside the action's
transaction: it signs each new message for similarity, has a message published to a desk that assigns
automatically routed in a task, and records the staff's corrections of domain, type and unit."""

from liuyan.board.choices import EventKind
from liuyan.board.models import Event, Message
from liuyan.directory.models import AutoAssignPolicy
from liuyan.intelligence import corrections, similarity, tasks


def index_submission(message: Message, *, fresh: bool) -> None:
    # About a millisecond: the message is findable as similar once this commits.
    similarity.index_message(message, fresh=fresh)


def auto_assign_published(event: Event, **context) -> None:
    if event.kind != EventKind.PUBLISHED:
        return
    message = event.message
    if AutoAssignPolicy.objects.filter(desk_id=message.desk_id, enabled=True).exists():
        tasks.auto_assign.enqueue(message_id=message.pk)


def record_correction(event: Event, **context) -> None:
    if event.kind == EventKind.RECLASSIFIED:
        corrections.record_reclassification(event, context["previous_domain"], context["previous_type"])
    elif event.kind == EventKind.ASSIGNED:
        corrections.record_assignment(event)
