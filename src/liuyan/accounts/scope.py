"""Who may do what, where: the one place that answers "may this user do X to this object" and
"which objects may this user see" (DESIGN.md §3, STYLE.md §4).

A role grants permissions (`ROLE_PERMISSIONS`) within a scope: platform-wide (editor, admin), a region
subtree (leader; a dispatcher through its desk's region), one unit (handler), or what was addressed to one
desk (a dispatcher of a ministry's desk, which has no region). Callers turn "outside
the scope" into the same 404 as "missing".

A model says where its rows sit by declaring `scope_lookups` (core/scoping.py: the lookups that reach a
row's region path and its unit), NetBox's `restrict()` style; the scope builds its filters and checks from
them, so it knows no model of the apps above it (the board's visible messages are board/visibility.py's).
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Field, Model, Q, QuerySet
from django.http import Http404

from liuyan.accounts.choices import ROLE_PERMISSIONS, Permission, Role
from liuyan.accounts.models import User
from liuyan.core.scoping import ScopeLookups
from liuyan.directory.choices import UnitKind
from liuyan.directory.models import Unit


@dataclass(frozen=True)
class PermissionScope:
    """Where a permission holds: everywhere, in region subtrees (by path prefix), for given units, or for
    what was addressed to given desks."""

    everywhere: bool = False
    region_paths: frozenset[str] = field(default_factory=frozenset)
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    desk_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.everywhere or self.region_paths or self.unit_ids or self.desk_ids)

    def covers(self, obj: Model, lookups: ScopeLookups) -> bool:
        """Is this row, whose region path and unit `lookups` reach, in scope?"""
        if self.everywhere:
            return True
        if lookups.unit is not None and self.unit_ids and _value(obj, lookups.unit) in self.unit_ids:
            return True
        if lookups.desk is not None and self.desk_ids and _value(obj, lookups.desk) in self.desk_ids:
            return True
        if lookups.region_path is None or not self.region_paths:
            return False
        path = _value(obj, lookups.region_path)
        return path is not None and any(path.startswith(p) for p in self.region_paths)

    def filter(
        self, *, region_path: str | None = None, unit: str | None = None, desk: str | None = None
    ) -> Q:
        """A filter for rows in scope, given the lookups that reach their region's path, their unit and
        their desk."""
        if self.everywhere:
            return ~Q(pk__in=[])  # not Q(): an empty Q vanishes when OR-ed with another condition
        condition = Q(pk__in=[])
        if region_path is not None:
            for path in sorted(self.region_paths):
                condition |= Q(**{f"{region_path}__startswith": path})
        if unit is not None and self.unit_ids:
            condition |= Q(**{f"{unit}__in": sorted(self.unit_ids)})
        if desk is not None and self.desk_ids:
            condition |= Q(**{f"{desk}__in": sorted(self.desk_ids)})
        return condition


def _value(obj: Model, lookup: str) -> Any:
    """What `lookup` reaches from `obj`; a relation's last step read as its id (no query for it)."""
    *relations, last = lookup.split("__")
    target = obj
    for name in relations:
        target = getattr(target, name)
        if target is None:
            return None
    model_field = target._meta.get_field(last)
    return getattr(target, model_field.attname if isinstance(model_field, Field) else last)


def _lookups(model: type[Model]) -> ScopeLookups:
    lookups = getattr(model, "scope_lookups", None)
    if not isinstance(lookups, ScopeLookups):
        raise TypeError(f"no scope rule for {model.__name__}")
    return lookups


def scope_for(user: User | AnonymousUser | None, permission: Permission) -> PermissionScope:
    """Where `user` holds `permission`, from all of their role memberships (cached on the user)."""
    if not isinstance(user, User) or not user.is_active:
        return PermissionScope()
    cache = user.__dict__.setdefault("_liuyan_scopes", {})
    if permission not in cache:
        cache[permission] = _compute_scope(user, permission)
    return cache[permission]


def _compute_scope(user: User, permission: Permission) -> PermissionScope:
    if user.is_superuser:
        return PermissionScope(everywhere=True)
    everywhere, paths, units, desks = False, set[str](), set[int](), set[int]()
    # Read once per user object, like the scopes: a page asks about several permissions.
    if "_liuyan_memberships" not in user.__dict__:
        user.__dict__["_liuyan_memberships"] = list(user.memberships.select_related("unit__region", "region"))
    for membership in user.__dict__["_liuyan_memberships"]:
        if permission not in ROLE_PERMISSIONS[membership.role]:
            continue
        if membership.role in (Role.EDITOR, Role.ADMIN):
            everywhere = True
        elif membership.role == Role.HANDLER:
            units.add(membership.unit_id)
        elif membership.region is not None:
            paths.add(membership.region.path)
        elif membership.unit is not None and membership.unit.region is not None:
            paths.add(membership.unit.region.path)  # a dispatcher covers its desk's region subtree
        elif membership.unit is not None:
            desks.add(membership.unit_id)  # a ministry's desk: what was addressed to it
    return PermissionScope(
        everywhere=everywhere,
        region_paths=frozenset(paths),
        unit_ids=frozenset(units),
        desk_ids=frozenset(desks),
    )


def _reaches_central(permission: Permission, unit: Unit) -> bool:
    """A dispatcher's ASSIGN also reaches the central departments, as on the real board, where a desk may
    pass a message on to a ministry."""
    return permission == Permission.ASSIGN and unit.kind == UnitKind.CENTRAL and unit.active


def can(user: User | AnonymousUser | None, permission: Permission, obj: Model) -> bool:
    """May `user` exercise `permission` on this object (a region, unit, leader, message: any model that
    declares `scope_lookups`)?"""
    scope = scope_for(user, permission)
    if scope.empty:
        return False
    lookups = _lookups(type(obj))
    if isinstance(obj, Unit) and _reaches_central(permission, obj):
        return True
    return scope.covers(obj, lookups)


def restrict(queryset: QuerySet, user: User | AnonymousUser | None, permission: Permission) -> QuerySet:
    """The rows of the queryset (of a model that declares `scope_lookups`) on which `user` holds
    `permission`."""
    lookups = _lookups(queryset.model)
    scope = scope_for(user, permission)
    condition = scope.filter(region_path=lookups.region_path, unit=lookups.unit, desk=lookups.desk)
    if queryset.model is Unit and permission == Permission.ASSIGN and not scope.empty:
        condition |= Q(kind=UnitKind.CENTRAL, active=True)
    return queryset.filter(condition)


def get_in_scope_or_404(
    queryset: QuerySet, user: User | AnonymousUser | None, permission: Permission, **lookup: Any
) -> Model:
    """The object, if it exists and `user` holds `permission` on it; otherwise 404 either way."""
    try:
        return restrict(queryset, user, permission).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
