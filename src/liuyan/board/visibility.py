"""Which messages a user may read: the public ones, their own, and those in their VIEW scope."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.accounts.scope import scope_for
from liuyan.board.choices import PUBLIC_STATES
from liuyan.board.models import Message

# Sorted: the same SQL in every process (a frozenset's order is not), as the lists' index predicates are.
PUBLIC_MESSAGE = Q(public=True, hidden=False, state__in=sorted(PUBLIC_STATES))


def visible_messages(user: User | AnonymousUser | None) -> QuerySet[Message]:
    """The messages `user` may read: public ones, their own whatever their state, and those in the
    scope of their VIEW permission (a handler: those its unit holds)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Message.objects.filter(PUBLIC_MESSAGE)
    scope = scope_for(user, Permission.VIEW)
    lookups = Message.scope_lookups
    return Message.objects.filter(
        PUBLIC_MESSAGE
        | Q(author=user)
        | scope.filter(region_path=lookups.region_path, unit=lookups.unit, desk=lookups.desk)
    )


def may_read(user: User | AnonymousUser | None, message: Message) -> bool:
    """Whether `user` may read `message`, already loaded (with its region): `visible_messages`' rule checked
    on the row, without a query. The query's OR over the public lists' partial indexes costs PostgreSQL more
    to plan than to run (10–30 ms against 0.1 ms), which every action paid once per message."""
    if message.public and not message.hidden and message.state in PUBLIC_STATES:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if message.author_id == user.pk:
        return True
    return scope_for(user, Permission.VIEW).covers(message, Message.scope_lookups)
