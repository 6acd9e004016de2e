"""The generated past: the recorded cases (demo.cases) laid out on the past six months.

1. Each case's steps get plausible gaps (hours to publish, a day to accept, days to reply, …) and every
   timestamp written inside a step moves by that step's offset, which keeps the order of the rows within a
   step. Deadlines are recomputed from the moved times with `board.deadlines`, the way assign, transfer,
   reopening and an approved extension compute them. Cases meant to end overdue, due within 24 hours or in
   time are placed so that they do.
2. Serial numbers carry the submission date, so they are renumbered by the moved dates.
3. Accounts joined before they first wrote; campaigns were set up before they opened.
"""

import itertools
import math
import random
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from liuyan.accounts.models import RoleMembership, User
from liuyan.board import deadlines
from liuyan.board.choices import EventKind, ExtensionState, MessageState
from liuyan.board.models import (
    Campaign,
    Event,
    ExtensionRequest,
    FollowUp,
    Instruction,
    Message,
    Rating,
    Reply,
    SerialCounter,
    Support,
)
from liuyan.demo.accounts import Cast
from liuyan.demo.cases import Case
from liuyan.demo.plans import DUE_SOON, IN_TIME, OVERDUE
from liuyan.notify.models import Notification

HISTORY = timedelta(days=180)
# No step of the history is later than this before the moment the history is laid out.
LATEST = timedelta(minutes=5)
# Notifications older than this are taken as read: staff read their inbox, the demo should look lived in.
READ_AFTER = timedelta(days=2)

# How long after the step before it a step happens, in hours (drawn log-uniformly between the bounds).
GAP_HOURS = {
    "submit": (1, 72),  # a further message of the same case
    "withdraw": (0.3, 30),
    "reject": (1, 30),
    "publish": (0.5, 30),
    "hide": (1, 72),
    "support": (0.05, 12),
    "merge": (1, 48),
    "assign": (1, 40),
    "transfer": (2, 40),
    "return": (2, 40),
    "accept": (0.5, 20),
    "follow_up": (2, 72),
    "reopen": (2, 48),
    "remind": (24, 96),
    "supervise": (12, 96),
    "instruct": (12, 96),
    "request_extension": (48, 200),
    "decide_extension": (2, 30),
    "reply": (24, 240),
    "send_back": (2, 30),
    "approve": (2, 30),
    "rate": (2, 100),
    "auto_close": (settings.LIUYAN_RATING_WINDOW_DAYS * 24 + 1, settings.LIUYAN_RATING_WINDOW_DAYS * 24 + 30),
}
# Urgent messages (a campaign with an urgent setting, or marked urgent when assigned) move in hours.
URGENT_GAP_HOURS = {
    "publish": (0.1, 2),
    "hide": (0.5, 6),
    "assign": (0.1, 2),
    "transfer": (0.2, 3),
    "return": (0.2, 3),
    "accept": (0.1, 1.5),
    "follow_up": (0.5, 12),
    "remind": (1, 12),
    "supervise": (1, 12),
    "instruct": (1, 12),
    "request_extension": (2, 12),
    "decide_extension": (0.2, 3),
    "reply": (1, 18),
    "send_back": (0.2, 2),
    "approve": (0.2, 3),
}


class History:
    """Lays the recorded cases out on the past (see the module docstring) and writes the moved times."""

    def __init__(
        self,
        cases: list[Case],
        cast: Cast,
        campaigns: dict[str, Campaign],
        campaign_windows: dict[str, tuple[datetime, datetime]],
        rng: random.Random,
    ):
        self.cases = cases
        self.cast = cast
        self.campaigns = campaigns
        self.campaign_windows = campaign_windows
        self.rng = rng
        self._working_day_deadlines: dict[tuple, tuple[datetime, datetime]] = {}

    # ------------------------------------------------------------------------------- laying out history

    def lay_out(self) -> None:
        """Move every case onto the past six months (see the module docstring)."""
        self.now = timezone.now()
        ids = [pk for case in self.cases for pk in case.message_ids]
        self.messages = Message.objects.select_related("region", "message_type", "campaign").in_bulk(ids)
        self.events: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        for message_id, kind, created_at in (
            Event.objects.filter(message_id__in=ids)
            .order_by("created_at", "id")
            .values_list("message_id", "kind", "created_at")
        ):
            self.events[message_id].append((kind, created_at))
        self.extension_days: dict[int, list[int]] = defaultdict(list)
        for message_id, days in (
            ExtensionRequest.objects.filter(message_id__in=ids, state=ExtensionState.APPROVED)
            .order_by("decided_at", "id")
            .values_list("message_id", "days")
        ):
            self.extension_days[message_id].append(days)
        for index, case in enumerate(self.cases):
            self._place(case, random.Random(f"{index}-{case.primary_id}"))
        self._move_rows()

    def _gaps(self, case: Case, rng: random.Random) -> list[timedelta]:
        gaps = [timedelta(0)]
        for step in case.steps[1:]:
            table = URGENT_GAP_HOURS if case.urgent and step.kind in URGENT_GAP_HOURS else GAP_HOURS
            low, high = table[step.kind]
            gaps.append(timedelta(hours=math.exp(rng.uniform(math.log(low), math.log(high)))))
        return gaps

    def _place(self, case: Case, rng: random.Random) -> None:
        """Choose when the case's first step happened, and so when each of its steps did."""
        now, plan = self.now, case.plan
        state = self.messages[case.primary_id].state
        if state != plan.target:
            raise RuntimeError(f"a demo case ended in {state}, planned {plan.target}")
        latest = now - LATEST - timedelta(minutes=rng.uniform(0, 30))
        window_lo, window_hi = case.window or (now - HISTORY, latest)
        lo = max(now - HISTORY, window_lo)
        gaps = self._gaps(case, rng)
        offsets = list(itertools.accumulate(gaps))
        if offsets[-1] and lo + offsets[-1] > latest:  # a long story in a short window: it went faster
            factor = (latest - lo) / offsets[-1] * rng.uniform(0.5, 0.9)
            offsets = [offset * factor for offset in offsets]
        hi = min(window_hi, latest - offsets[-1])
        if plan.category:
            start = self._start_for_deadline(case, offsets, lo, hi, rng)
        elif state == MessageState.PENDING_REVIEW:
            start = latest - timedelta(hours=rng.uniform(0.2, 48))
        elif state == MessageState.PUBLISHED:
            start = hi - timedelta(hours=rng.uniform(0, 72))
        elif state == MessageState.REPLIED:  # still within its rating window
            start = hi - timedelta(hours=rng.uniform(0, 24))
        else:
            # Open messages crowd the last weeks; finished ones thin out towards now, to even the volume.
            share = rng.random() if rng.random() < 0.5 else 1 - math.sqrt(1 - rng.random())
            start = lo + (hi - lo) * share
        start = max(start, lo)
        case.sim_starts = [start + offset for offset in offsets]

    def _start_for_deadline(
        self, case: Case, offsets: list[timedelta], lo: datetime, hi: datetime, rng: random.Random
    ) -> datetime:
        """A start that leaves the primary message overdue, due within 24 hours or in time, as planned;
        else the next category that can happen (a working-day deadline cannot fall due on a day off)."""
        now, message = self.now, self.messages[case.primary_id]

        def deadline_at(start: datetime) -> datetime:
            sim_starts = [start + offset for offset in offsets]
            events = [(kind, case.moved(at, sim_starts)) for kind, at in self.events[message.pk]]
            accept, reply = self._deadlines(message, events)
            return accept if message.state == MessageState.ASSIGNED else reply

        order = {
            OVERDUE: [OVERDUE, DUE_SOON],
            DUE_SOON: [DUE_SOON, IN_TIME, OVERDUE],
            IN_TIME: [IN_TIME, DUE_SOON, OVERDUE],
        }
        for category in order[case.plan.category]:
            if category == IN_TIME:
                for start in (
                    hi - timedelta(days=rng.uniform(0, 12)),
                    hi - timedelta(days=rng.uniform(0, 4)),
                    hi - timedelta(hours=rng.uniform(0, 12)),
                    hi,
                ):
                    if start >= lo and deadline_at(start) > now + timedelta(hours=25):
                        return start
            elif category == DUE_SOON:
                soon, late = now + timedelta(minutes=30), now + timedelta(hours=23, minutes=30)
                if deadline_at(hi) < soon or deadline_at(lo) >= late:
                    continue
                # The latest start whose deadline falls before `late` (a deadline grows with its start).
                low, high = (hi, hi) if deadline_at(hi) < late else (lo, hi)
                while high - low > timedelta(minutes=10):
                    middle = low + (high - low) / 2
                    low, high = (middle, high) if deadline_at(middle) < late else (low, middle)
                if deadline_at(low) >= soon:
                    return low
            else:
                lateness = timedelta(hours=math.exp(rng.uniform(math.log(2), math.log(24 * 25))))
                start, step = hi, timedelta(days=1)
                while start > lo and deadline_at(start) >= now - lateness:
                    start, step = start - step, step * 2
                start = max(start, lo)
                if deadline_at(start) < now:
                    return max(lo, start - timedelta(days=rng.uniform(0, 3)))
        return hi

    def _deadlines(
        self, message: Message, events: list[tuple[str, datetime]]
    ) -> tuple[datetime | None, datetime | None]:
        """The accept and reply deadlines the actions set, had the message's events happened at these times:
        assigning sets both, a transfer the accept deadline, reopening the reply deadline, and an approved
        extension moves the reply deadline (board.actions: dispatch, feedback, handling)."""
        accept = reply = None
        extensions = iter(self.extension_days[message.pk])
        for kind, at in events:
            if kind == EventKind.ASSIGNED:
                accept, reply = self._handling_deadlines(message, at)
            elif kind == EventKind.TRANSFERRED:
                accept = self._handling_deadlines(message, at)[0]
            elif kind == EventKind.REOPENED:
                reply = self._handling_deadlines(message, at)[1]
            elif kind == EventKind.EXTENSION_APPROVED:
                reply = deadlines.extended(reply, next(extensions))
        return accept, reply

    def _handling_deadlines(self, message: Message, start: datetime) -> tuple[datetime, datetime]:
        """`deadlines.handling_deadlines`, remembered for deadlines counted in working days: those depend on
        the day of `start` only (directory.calendar.add_working_days), and placing the cases asks for the
        same days thousands of times."""
        if deadlines.urgent_reply_hours(message) is not None:  # counted in hours from `start`
            return deadlines.handling_deadlines(message, start)
        day = timezone.localdate(start, timezone.get_default_timezone())
        key = (message.region_id, message.message_type_id, day)
        if key not in self._working_day_deadlines:
            self._working_day_deadlines[key] = deadlines.handling_deadlines(message, start)
        return self._working_day_deadlines[key]

    def _move_rows(self) -> None:
        """Write the laid-out times into every row the cases wrote."""
        case_of = {pk: case for case in self.cases for pk in case.message_ids}
        ids = list(self.messages)

        def move(model, fields: list[str], rows: list, message_of=lambda row: row.message_id) -> list:
            for row in rows:
                case = case_of[message_of(row)]
                for name in fields:
                    if (value := getattr(row, name)) is not None:
                        setattr(row, name, case.moved(value))
            _write(model, fields, rows)
            return rows

        def rows_of(model, *fields: str) -> list:
            return list(model.objects.filter(message_id__in=ids).only("id", "message_id", *fields))

        move(Event, ["created_at"], rows_of(Event, "created_at"))
        move(Rating, ["created_at"], rows_of(Rating, "created_at"))
        move(FollowUp, ["created_at"], rows_of(FollowUp, "created_at"))
        move(
            ExtensionRequest,
            ["created_at", "decided_at"],
            rows_of(ExtensionRequest, "created_at", "decided_at"),
        )
        move(Instruction, ["created_at"], rows_of(Instruction, "created_at"))
        move(Support, ["created_at"], rows_of(Support, "created_at"))
        answered = dict(
            Reply.messages.through.objects.filter(message_id__in=ids).values_list("reply_id", "message_id")
        )
        replies = list(Reply.objects.filter(pk__in=answered).only("id", "created_at", "reviewed_at"))
        move(Reply, ["created_at", "reviewed_at"], replies, message_of=lambda row: answered[row.pk])
        notifications = move(Notification, ["created_at"], rows_of(Notification, "created_at"))
        for notification in notifications:
            if notification.created_at < self.now - READ_AFTER:
                notification.read_at = notification.created_at + timedelta(
                    minutes=self.rng.uniform(10, 24 * 60)
                )
        _write(Notification, ["read_at"], [n for n in notifications if n.read_at])

        events: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        for message_id, kind, created_at in (
            Event.objects.filter(message_id__in=ids)
            .order_by("created_at", "id")
            .values_list("message_id", "kind", "created_at")
        ):
            events[message_id].append((kind, created_at))
        messages = list(self.messages.values())
        for message in messages:
            case = case_of[message.pk]
            for name in ("created_at", "published_at", "assigned_at", "accepted_at", "replied_at"):
                if (value := getattr(message, name)) is not None:
                    setattr(message, name, case.moved(value))
            # close_unrated stamps closed_at with the moment it judged by; its event says when that was.
            closings = [at for kind, at in events[message.pk] if kind == EventKind.CLOSED]
            message.closed_at = closings[-1] if closings else None
            message.accept_deadline, message.reply_deadline = self._deadlines(message, events[message.pk])
        fields = ["created_at", "published_at", "assigned_at", "accepted_at", "replied_at", "closed_at"]
        _write(Message, [*fields, "accept_deadline", "reply_deadline"], messages)
        self._renumber(messages)
        self._date_accounts_and_campaigns(messages)

    def _renumber(self, messages: list[Message]) -> None:
        """Serials carry the submission day (LY + date + that day's sequence): renumber by the moved days."""
        written_on = {_serial_day(message.serial) for message in messages}
        renamed: dict[str, str] = {}
        per_day: Counter = Counter()
        for message in sorted(messages, key=lambda m: (m.created_at, m.pk)):
            day = timezone.localdate(message.created_at)
            per_day[day] += 1
            renamed[message.serial] = f"LY{day:%Y%m%d}{per_day[day]:06d}"
        new_serials = {message.pk: renamed[message.serial] for message in messages}
        # Through temporary values, so that no two rows hold the same serial at any moment.
        for message in messages:
            message.serial = f"TMP{message.pk}"
        _write(Message, ["serial"], messages)
        for message in messages:
            message.serial = new_serials[message.pk]
        _write(Message, ["serial"], messages)
        SerialCounter.objects.filter(day__in=written_on - set(per_day)).delete()
        for day, count in per_day.items():
            SerialCounter.objects.update_or_create(day=day, defaults={"last": count})
        # Event notes (并单) and notification texts name serials.
        serial = re.compile(r"LY\d{14}")
        ids = list(self.messages)
        for model, name in ((Event, "note"), (Notification, "text")):
            rows = list(
                model.objects.filter(message_id__in=ids, **{f"{name}__contains": "LY"}).only("id", name)
            )
            for row in rows:
                setattr(
                    row, name, serial.sub(lambda match: renamed.get(match[0], match[0]), getattr(row, name))
                )
            _write(model, [name], rows)

    def _date_accounts_and_campaigns(self, messages: list[Message]) -> None:
        """Accounts joined before they first wrote; campaigns were set up before they opened."""
        rng, now = self.rng, self.now
        first_written: dict[int, datetime] = {}
        for message in messages:
            if (
                message.author_id not in first_written
                or message.created_at < first_written[message.author_id]
            ):
                first_written[message.author_id] = message.created_at
        users = list(
            {user.pk: user for user in [*self.cast.users.values(), *self.cast.staff.values()]}.values()
        )
        for user in users:
            if (first := first_written.get(user.pk)) is not None:
                user.date_joined = first - timedelta(days=rng.uniform(1, 60))
            else:
                user.date_joined = now - HISTORY - timedelta(days=rng.uniform(5, 30))
        _write(User, ["date_joined"], users)
        joined = {user.pk: user.date_joined for user in users}
        memberships = list(RoleMembership.objects.filter(user_id__in=joined))
        for membership in memberships:
            membership.created_at = joined[membership.user_id]
        _write(RoleMembership, ["created_at"], memberships)
        for key, campaign in self.campaigns.items():
            if key == "business":
                campaign.opens_at, campaign.closes_at = self.campaign_windows[key]
            campaign.created_at = campaign.opens_at - timedelta(days=rng.uniform(1, 5))
            campaign.save(update_fields=["opens_at", "closes_at", "created_at"])


def _write(model, fields: list[str], rows: list) -> None:
    """Save `fields` of `rows`: one statement run for all rows (tens of thousands of events and
    notifications), where bulk_update would build a CASE expression per batch."""
    if not rows:
        return
    opts, ops = model._meta, connection.ops
    columns = [opts.get_field(name) for name in fields]
    assignments = ", ".join(f"{ops.quote_name(column.column)} = %s" for column in columns)
    table, key = ops.quote_name(opts.db_table), ops.quote_name(opts.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"
    params = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _serial_day(serial: str):
    return datetime.strptime(serial[2:10], "%Y%m%d").date()
