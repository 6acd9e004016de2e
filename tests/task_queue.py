"""Running queued tasks inside a test's transaction, as `liuyan db_worker` runs them from the queue.

The worker itself needs committed rows (tests/notify/test_worker.py starts one against a committing
database); this runs the same steps in the test's own connection: claim the row, call the task with the
arguments stored in it, record its outcome.
"""

from django_tasks_db.models import DBTaskResult


def run_queued(task) -> list:
    """Run every queued result of `task`, oldest first; return what each returned."""
    returned = []
    for row in DBTaskResult.objects.ready().filter(task_path=task.module_path).order_by("enqueued_at"):
        row.claim("test")
        stored = row.task_result
        value = task.call(*stored.args, **stored.kwargs)
        row.set_successful(value)
        returned.append(value)
    return returned
