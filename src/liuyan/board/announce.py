"""How the apps above the board hear of what its actions change, without the board importing them.

The board's actions call the hooks below; an app above the board (reports, notify, intelligence) connects
its receivers to them from its `AppConfig.ready()`. Every receiver runs inside the action's transaction, in
the order connected: what it writes commits or rolls back with the change, and an exception it raises
undoes the whole action. So the count tables, the notifications and the webhooks stay exact at every
commit, as if the action had written them itself.

- `message_changing`: factories of context managers, entered around every change of what a message counts
  for (its state, dates, deadlines, unit…) and left after it is saved, so that a receiver can take the
  difference (reports: the count tables). The board's actions enter them through `changing(message)`,
  with `rated=True` when the block adds a rating and `revisited=True` when it adds a revisit (回访). Not
  nested: an inner block would be seen twice.
- `event_recorded`: called with each Event just written (`record_event`), and with keyword arguments for
  what the action knows that the Event does not carry (see `record_event`'s callers: `extension`,
  `instruction`, `rating`, `follow_up`, `answered`). notify: the webhooks, and the notifications (who is
  told what, for which event, is decided there).
- `message_submitted`: called with each message just submitted (its SUBMITTED event written), and
  `later=True` when its follow-up runs in a task (then the backlog, below, has to note it).
- `submission_finished`: called once a submission's follow-up is done (search tokens written), with
  `fresh=True` when that happened in the submission's own transaction (notify: the citizen is told).

And one provider: the backlog of submissions whose follow-up runs in a task (`keep_backlog`). Its keeper
notes them in its `message_submitted` receiver; the board's follow-up takes them from it. reports keeps it,
because the `received` count is what waits. Without a keeper, every submission is followed up at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from liuyan.board.models import Event, Message


class ChangeWatcher(Protocol):
    def __call__(
        self, message: Message, *, rated: bool, revisited: bool
    ) -> AbstractContextManager[object]: ...


class EventListener(Protocol):
    def __call__(self, event: Event, /, **context: Any) -> None: ...


class SubmissionListener(Protocol):
    def __call__(self, message: Message, *, later: bool) -> None: ...


class FinishListener(Protocol):
    def __call__(self, message: Message, *, fresh: bool) -> None: ...


R = TypeVar("R")


class Hook(Generic[R]):
    """Receivers in the order connected; connecting one twice keeps it once."""

    def __init__(self) -> None:
        self._receivers: list[R] = []

    def connect(self, receiver: R) -> R:
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: R) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    def __iter__(self) -> Iterator[R]:
        return iter(tuple(self._receivers))


message_changing: Hook[ChangeWatcher] = Hook()
event_recorded: Hook[EventListener] = Hook()
message_submitted: Hook[SubmissionListener] = Hook()
submission_finished: Hook[FinishListener] = Hook()


@contextmanager
def changing(message: Message, *, rated: bool = False, revisited: bool = False) -> Iterator[None]:
    """Around a change of `message` (in memory and saved): every `message_changing` watcher sees it."""
    with ExitStack() as stack:
        for watcher in message_changing:
            stack.enter_context(watcher(message, rated=rated, revisited=revisited))
        yield


def recorded(event: Event, **context: Any) -> None:
    for listener in event_recorded:
        listener(event, **context)


def submitted(message: Message, *, later: bool) -> None:
    for listener in message_submitted:
        listener(message, later=later)


def finished(message: Message, *, fresh: bool) -> None:
    for listener in submission_finished:
        listener(message, fresh=fresh)


@dataclass(frozen=True)
class Backlog:
    """Submissions waiting for their follow-up. `take(message_id)`: False when that one is not waiting
    (followed up already); `take_batch(limit)`: up to `limit` waiting ones, skipping those another
    transaction holds. Either removes what it returns, in the caller's transaction."""

    take: Callable[[int], bool]
    take_batch: Callable[[int], list[int]]


_backlog: list[Backlog] = []


def keep_backlog(backlog: Backlog) -> None:
    """Make `backlog` the one that submissions followed up in a task wait in (replacing any other)."""
    _backlog[:] = [backlog]


def backlog() -> Backlog | None:
    return _backlog[0] if _backlog else None
