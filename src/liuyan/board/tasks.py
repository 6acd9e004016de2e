"""Background tasks of the board: thin wrappers that call the periodic oversight actions, the
auto-assignment of a published message and the rest of a submission made through the API."""

from django_tasks import task

from liuyan.board import imports
from liuyan.board.actions import dispatch, oversight, submission


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
def auto_assign(message_id: int) -> bool:
    return dispatch.auto_assign_message(message_id) is not None


@task()
def follow_up_submissions() -> int:
    return submission.follow_up_submissions()


@task()
def segment_imported() -> int:
    return imports.segment_imported()


# follow_up_submissions: for a submission whose own task ran before it committed (a burst's last ones).
PERIODIC_TASKS = [warn_due_soon, supervise_overdue, close_unrated, follow_up_submissions]
