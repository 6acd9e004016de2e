"""Background tasks of the board: thin wrappers that call the periodic oversight actions, the rest of a
submission made through the API and the segmenting an import left for later."""

from django_tasks import task

from liuyan.board import imports
from liuyan.board.actions import oversight, submission


@task()
def warn_due_soon() -> int:
    return oversight.warn_due_soon()


@task()
def supervise_overdue() -> int:
    return oversight.supervise_overdue()


@task()
def close_unrated() -> int:
    return oversight.close_unrated()


@task()
def follow_up_submissions() -> int:
    return submission.follow_up_submissions()


@task()
def segment_imported() -> int:
    return imports.segment_imported()


# follow_up_submissions: for a submission whose own task ran before it committed (a burst's last ones).
PERIODIC_TASKS = [warn_due_soon, supervise_overdue, close_unrated, follow_up_submissions]
