"""Reads of accounts."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from liuyan.accounts.choices import Role
from liuyan.accounts.models import ApiToken, RoleMembership, User
from liuyan.directory.choices import UnitKind
from liuyan.directory.models import Unit


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


def handlers_of(unit: Unit) -> QuerySet[User]:
    """The staff who act for `unit`."""
    return User.objects.filter(
        is_active=True, memberships__role=Role.HANDLER, memberships__unit=unit
    ).distinct()


def dispatchers_of(desk: Unit) -> QuerySet[User]:
    """The staff of a dispatch desk: members of the desk itself, or dispatchers of its region."""
    return User.objects.filter(
        Q(memberships__unit=desk) | Q(memberships__region_id=desk.region_id),
        is_active=True,
        memberships__role=Role.DISPATCHER,
    ).distinct()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's unrevoked tokens, newest first, each with `ends_at` (when it stops working: a token
    from before tokens had an expiry lives the default lifetime from its creation) and `expired`."""
    lifetime = timedelta(days=settings.LIUYAN_TOKEN_DAYS)
    tokens: list[ApiToken] = list(
        ApiToken.objects.filter(user=user, revoked_at=None)
        .annotate(
            ends_at=Coalesce(
                "expires_at", ExpressionWrapper(F("created_at") + lifetime, output_field=DateTimeField())
            )
        )
        .order_by("-created_at", "-id")
    )
    now = timezone.now()
    for token in tokens:
        token.expired = token.ends_at <= now  # type: ignore[attr-defined]  # for the pages, beside ends_at
    return tokens


def staffed_desks(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Unit]:
    """The dispatch desks `user` works at (as a dispatcher member of the desk itself), with their
    auto-assignment policy; platform administrators set other desks' policies in the admin site."""
    if not user.is_authenticated:
        return Unit.objects.none()
    memberships = RoleMembership.objects.filter(user_id=user.pk, role=Role.DISPATCHER)
    return (
        Unit.objects.filter(kind=UnitKind.DISPATCH_DESK, pk__in=memberships.values("unit_id"))
        .select_related("region", "auto_assign_policy")
        .order_by("region_id")
    )
