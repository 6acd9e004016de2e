"""Background tasks of the board: thin wrappers that call the periodic oversight actions."""

from django_tasks import task

from liuyan.board.actions import oversight


@task()
def warn_due_soon() -> int:
    return oversight.warn_due_soon()


@task()
def supervise_overdue() -> int:
    return oversight.supervise_overdue()


@task()
def close_unrated() -> int:
    return oversight.close_unrated()


PERIODIC_TASKS = [warn_due_soon, supervise_overdue, close_unrated]
