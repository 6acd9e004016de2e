"""The deadlines a unit is held to (DESIGN.md §4): to accept and to reply, in working days from the
region's SLA policy, or in hours for an urgent message or a campaign with an urgent setting."""

from datetime import datetime, timedelta

from django.conf import settings

from liuyan.board.models import Message
from liuyan.directory.calendar import add_working_days
from liuyan.directory.selectors import sla_terms


def urgent_reply_hours(message: Message) -> int | None:
    """Hours to reply for an urgent message or one in a campaign with an urgent setting; None otherwise."""
    if message.campaign_id and message.campaign.urgent_hours:
        return message.campaign.urgent_hours
    return settings.LIUYAN_URGENT_REPLY_HOURS if message.urgent else None


def handling_deadlines(message: Message, start: datetime) -> tuple[datetime, datetime]:
    """The accept and reply deadlines of a message handed to a unit at `start` (one SLA lookup)."""
    hours = urgent_reply_hours(message)
    if hours is not None:
        return accept_deadline(message, start), reply_deadline(message, start)
    terms = sla_terms(message.region, message.message_type)
    return add_working_days(start, terms.accept_days), add_working_days(start, terms.reply_days)


def accept_deadline(message: Message, start: datetime) -> datetime:
    """When a unit handed the message at `start` must have accepted it."""
    hours = urgent_reply_hours(message)
    if hours is not None:
        return start + timedelta(hours=min(settings.LIUYAN_URGENT_ACCEPT_HOURS, hours))
    return add_working_days(start, sla_terms(message.region, message.message_type).accept_days)


def reply_deadline(message: Message, start: datetime) -> datetime:
    """When a unit handed the message at `start` (or reopened then) must have replied."""
    hours = urgent_reply_hours(message)
    if hours is not None:
        return start + timedelta(hours=hours)
    return add_working_days(start, sla_terms(message.region, message.message_type).reply_days)


def follow_up_deadline(message: Message, start: datetime) -> datetime:
    """When the unit must answer a 追问 made at `start` on a replied message: the region's policy in working
    days, or the urgent hours again for an urgent message."""
    hours = urgent_reply_hours(message)
    if hours is not None:
        return start + timedelta(hours=hours)
    return add_working_days(start, sla_terms(message.region, message.message_type).follow_up_days)


def revisit_resolution(message: Message) -> int:
    """The 解决程度 at or below which a rating of `message` calls for a 回访 (the region's policy)."""
    return sla_terms(message.region, message.message_type).revisit_resolution


def extended(deadline: datetime, days: int) -> datetime:
    """A reply deadline moved by an approved extension of `days` working days."""
    return add_working_days(deadline, days)
