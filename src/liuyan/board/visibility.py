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
        PUBLIC_MESSAGE | Q(author=user) | scope.filter(region_path=lookups.region_path, unit=lookups.unit)
    )
