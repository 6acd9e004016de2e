"""Whether a replica may be read: reachable, a standby that is streaming, and not too far behind.

The verdict is kept per process for settings.LIUYAN_REPLICA_CHECK_SECONDS, so a replica that is down
costs one failed connection per process per period, not one per request. A replica found usable is still
asked, once per request, whether this thread's connection works (Django's own health check), so a
replica that stops between two checks sends that request to the primary instead of failing it.
"""

import logging
import time
from contextlib import suppress
from dataclasses import dataclass

from django.conf import settings
from django.db import Error, connections

logger = logging.getLogger(__name__)

# Lag is 0 when everything received is replayed; otherwise the time since the last replayed commit, NULL
# (unknown, so not usable) when nothing was replayed yet. A standby whose WAL receiver is not running has
# nothing more to receive and would look current while it falls behind: it counts as not streaming.
STATUS_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


@dataclass(frozen=True)
class Verdict:
    usable: bool
    reason: str  # why not, for the log
    until: float  # time.monotonic() after which the replica is checked again


_verdicts: dict[str, Verdict] = {}


def replica_usable(alias: str) -> bool:
    """Whether this request may read from `alias` (it opens this thread's connection if needed)."""
    verdict = _verdicts.get(alias)
    if verdict is None or time.monotonic() >= verdict.until:
        return _record(alias, _problem(alias))
    if not verdict.usable:
        return False
    if _connection_works(alias):
        return True
    return _record(alias, "cannot connect")


def replica_failed(alias: str) -> None:
    """A query on `alias` failed for want of the server: not read again until it is checked again."""
    _close_quietly(alias)
    _record(alias, "failed during a request")


def forget_verdicts() -> None:
    """Check every replica afresh on its next use (tests; nothing else needs it)."""
    _verdicts.clear()


def _record(alias: str, problem: str) -> bool:
    usable = not problem
    previous = _verdicts.get(alias)
    if previous is None or previous.usable != usable:
        if usable:
            logger.info("Database replica %s is usable: reads go to it.", alias)
        else:
            logger.warning("Database replica %s is not usable (%s): reads go to the primary.", alias, problem)
    _verdicts[alias] = Verdict(usable, problem, time.monotonic() + settings.LIUYAN_REPLICA_CHECK_SECONDS)
    return usable


def _problem(alias: str) -> str:
    """What keeps `alias` from being read, or "" when nothing does."""
    if not _connection_works(alias):
        return "cannot connect"
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(STATUS_SQL)
            in_recovery, streaming, lag = cursor.fetchone()
    except Error as error:
        _close_quietly(alias)
        return f"status query failed: {error}"
    if not in_recovery:
        # A promoted standby, or a URL naming the primary: it may accept writes and diverge.
        return "not a standby: pg_is_in_recovery() is false"
    if not streaming:
        return "not streaming from the primary"
    if lag is None:
        return "lag unknown: nothing replayed yet"
    if lag > settings.LIUYAN_REPLICA_MAX_LAG_SECONDS:
        return f"{float(lag):.1f} s behind"
    return ""


def _connection_works(alias: str) -> bool:
    connection = connections[alias]
    try:
        # Once per request (CONN_HEALTH_CHECKS is on for replicas): a connection the replica dropped is
        # closed here and opened again, which fails now rather than in the middle of the page.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except Error:
        _close_quietly(alias)
        return False
    return True


def _close_quietly(alias: str) -> None:
    with suppress(Error):
        connections[alias].close()
