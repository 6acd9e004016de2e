"""Reads of accounts."""

from django.db.models import Q, QuerySet

from liuyan.accounts.choices import Role
from liuyan.accounts.models import User


def user_summary(user: User) -> dict:
    """The user with its roles and their scopes, as plain data (for the CLI and the API)."""
    memberships = user.memberships.select_related("unit", "region").order_by("id")
    return {
        "id": user.id,
        "username": user.username,
        "nickname": user.nickname,
        "roles": [
            {
                "role": m.role,
                "unit": {"id": m.unit.id, "name": m.unit.name} if m.unit else None,
                "region": {"code": m.region.code, "name": m.region.name} if m.region else None,
            }
            for m in memberships
        ],
    }


def handlers_of(unit) -> QuerySet[User]:
    """The staff who act for `unit`."""
    return User.objects.filter(
        is_active=True, memberships__role=Role.HANDLER, memberships__unit=unit
    ).distinct()


def dispatchers_of(desk) -> QuerySet[User]:
    """The staff of a dispatch desk: members of the desk itself, or dispatchers of its region."""
    return User.objects.filter(
        Q(memberships__unit=desk) | Q(memberships__region_id=desk.region_id),
        is_active=True,
        memberships__role=Role.DISPATCHER,
    ).distinct()
