"""The count tables follow the board's actions: `ReportsConfig.ready()` connects these to the board's
announcements (board/announce.py), so every change is counted in the action's own transaction."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from liuyan.board.announce import Backlog
from liuyan.reports import counts

if TYPE_CHECKING:
    from liuyan.board.models import Message


def count_change(message: Message, *, rated: bool, revisited: bool = False) -> AbstractContextManager[None]:
    """`message_changing`: the difference the change makes to the rows (`counts.counting`)."""
    return counts.counting(message, rerate=rated, revisit=revisited)


def count_submission(message: Message, *, later: bool) -> None:
    """`message_submitted`: its `received`, at once or (`later`) noted for its follow-up to add."""
    if later:
        counts.count_new_later(message)
    else:
        counts.count_new(message)


# The submissions followed up in a task wait where their `received` waits: in the noted rows.
BACKLOG = Backlog(take=counts.count_noted, take_batch=counts.count_noted_batch)
