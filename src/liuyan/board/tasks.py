"""Background tasks of the board: thin wrappers that call the periodic oversight actions, the rest of a
submission made through the API, the segmenting an import left for later and the newest messages' search
index."""

from django_tasks import task

from liuyan.board import imports, search
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


@task()
def refresh_recent_search_index() -> str:
    return search.refresh_recent_index()


# follow_up_submissions: for a submission whose own task ran before it committed (a burst's last ones).
PERIODIC_TASKS = [
    warn_due_soon,
    supervise_overdue,
    close_unrated,
    follow_up_submissions,
    refresh_recent_search_index,
]
