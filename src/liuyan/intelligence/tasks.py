"""Background tasks of the intelligence app: thin wrappers around its indexing."""

from django_tasks import task

from liuyan.intelligence import similarity


@task()
def index_missing_similarity() -> int:
    """Sign the messages that have no similarity signature yet (after an import, say)."""
    return similarity.index_all(missing_only=True)
