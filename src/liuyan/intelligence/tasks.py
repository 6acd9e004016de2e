"""Background tasks of the intelligence app: thin wrappers around its indexing and auto-assignment."""

from django_tasks import task

from liuyan.board.models import Event
from liuyan.intelligence import analyze, corrections, hot_topics, similarity


@task()
def auto_assign(message_id: int) -> bool:
    return analyze.auto_assign_message(message_id) is not None


@task()
def record_assignment_correction(event_id: int) -> bool:
    """A person's 交办 compared with the suggestion they would have seen (a Correction when it differs)."""
    event = Event.objects.select_related("actor", "unit").filter(pk=event_id).first()
    return event is not None and corrections.record_assignment_worked_out(event)


@task()
def index_missing_similarity() -> int:
    """Sign the messages that have no similarity signature yet (after an import, say)."""
    return similarity.index_all(missing_only=True)


@task()
def warm_hot_topics() -> int:
    """Compute the home page's hot topics ahead of the visitors (they are cached for an hour)."""
    return len(hot_topics.recent_hot_topics(refresh=True).topics)
