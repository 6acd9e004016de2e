"""What intelligence does when the board announces a change (board/announce.py), inside the action's
transaction: it signs each new message for similarity, has a message published to a desk that assigns
automatically routed in a task, and records the staff's corrections of domain, type and unit (of
unit in a task when no page kept the suggestion the person saw)."""

from liuyan.board.choices import EventKind
from liuyan.board.models import Event, Message
from liuyan.directory.models import AutoAssignPolicy
from liuyan.intelligence import corrections, routing_choice, similarity, tasks
from liuyan.intelligence.routing import UnitSuggestion


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
    elif event.kind == EventKind.ASSIGNED and event.actor_id is not None and event.unit_id is not None:
        # A person's assignment (the system's own correct nothing): compared with the suggestion the queue
        # page kept for them, or, when none was kept, in a task: the classifier is not run on the desk's
        # request, inside its transaction.
        kept = routing_choice.kept_suggestions(event.actor, [event.message_id])
        routing_choice.forget_suggestion(event.actor_id, event.message_id)  # it is assigned now
        if event.message_id in kept:
            shown = kept[event.message_id]
            corrections.record_assignment(event, shown if isinstance(shown, UnitSuggestion) else None)
        else:
            tasks.record_assignment_correction.enqueue(event_id=event.pk)
