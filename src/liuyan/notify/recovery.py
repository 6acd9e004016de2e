"""Recovery of the task queue after a worker died (SIGKILL, out of memory, the machine lost power).

django-tasks-db marks a task RUNNING when a worker claims it and only a live worker ever moves it on:
a task whose worker died stays RUNNING for good and never runs again (0.13 has no lease or heartbeat).
`requeue_stalled_tasks`, run by `liuyan run_periodic`, puts such tasks back in the queue. Every task of
the project is safe to run again: the periodic checks by design, notify's deliveries through their
claims (notify.actions.send_delivery) and webhooks' X-Liuyan-Delivery id, briefs once per subscriber.
"""

from datetime import timedelta

from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

# Far longer than any task of the project runs (a delivery batch is bounded by the send timeouts), so a
# task still RUNNING after this belongs to a dead worker. Requeueing a live one would still send
# nothing twice, only duplicate work.
STALLED_AFTER = timedelta(minutes=30)


def requeue_stalled_tasks(older_than: timedelta = STALLED_AFTER) -> int:
    """Put tasks RUNNING since longer than `older_than` back to READY; returns how many."""
    cutoff = timezone.now() - older_than
    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).update(
        status=TaskResultStatus.READY
    )
