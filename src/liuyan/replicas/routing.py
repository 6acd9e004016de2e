"""Where reads go: to a streaming replica inside a request that allows it, to the primary otherwise.

Outside `reads_from_replicas()` — task workers, management commands, cron, the shell, and every request
the web layer keeps on the primary (writes, a user who just wrote, staff, the workbench) — every read
goes to the primary. Inside it, a request's reads go to one replica, chosen on its first read among the
usable ones and then kept, so a page never mixes two replicas' slightly different moments. Writes, and
every read inside a transaction (`atomic`) on the primary, go to the primary, so code reads what it
has just written. The scope is a context variable: each thread and each asyncio task has its own.
"""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from liuyan.replicas.health import replica_failed, replica_usable

# Apps whose rows are read right after they are written by another request, or by a worker that must
# see the latest state: a session written at sign-in, a task claimed by a worker.
PRIMARY_ONLY_APPS = frozenset({"sessions", "django_tasks_database", "otp_totp", "otp_static"})


class _RequestReads:
    """The replica one request reads from, chosen on its first read."""

    __slots__ = ("alias",)

    def __init__(self) -> None:
        self.alias: str | None = None

    def target(self) -> str:
        if self.alias is None:
            self.alias = _choose_replica()
        return self.alias


_reads: ContextVar[_RequestReads | None] = ContextVar("liuyan_replica_reads", default=None)


@contextmanager
def reads_from_replicas() -> Iterator[None]:
    """Let the reads made inside go to a replica (one request's worth of work)."""
    token = _reads.set(_RequestReads())
    try:
        yield
    finally:
        _reads.reset(token)


def fall_back_to_primary() -> bool:
    """After a database error: whether it was this request's replica that failed. If so, it is not read
    again until checked again, and the rest of this request reads the primary."""
    reads = _reads.get()
    if reads is None or reads.alias in (None, DEFAULT_DB_ALIAS):
        return False
    if not connections[reads.alias].errors_occurred:  # Django marks the connection a query failed on
        return False
    replica_failed(reads.alias)
    reads.alias = DEFAULT_DB_ALIAS
    return True


def _choose_replica() -> str:
    candidates = list(settings.LIUYAN_DATABASE_REPLICAS)
    random.shuffle(candidates)  # spreads requests over the replicas
    for alias in candidates:
        if replica_usable(alias):
            return alias
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Django database router for the primary ("default") and its replicas (settings.DATABASES)."""

    def db_for_read(self, model, **hints) -> str:
        reads = _reads.get()
        if reads is None or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return reads.target()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # A replica holds the primary's rows: an object read from one may point at one from the other.
        same_data = {DEFAULT_DB_ALIAS, *settings.LIUYAN_DATABASE_REPLICAS}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        # A replica is read-only: it receives the primary's schema by replication.
        return False if db in settings.LIUYAN_DATABASE_REPLICAS else None
