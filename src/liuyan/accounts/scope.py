"""Who may do what, where: the one place that answers "may this user do X to this object" and
"which objects may this user see" (DESIGN.md §3, STYLE.md §4).

A role grants permissions (`ROLE_PERMISSIONS`) within a scope: platform-wide (editor, admin), a region
subtree (leader; a dispatcher through its desk's region), or one unit (handler). Callers turn "outside
the scope" into the same 404 as "missing".
"""

from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from liuyan.accounts.choices import ROLE_PERMISSIONS, Permission, Role
from liuyan.board.choices import PUBLIC_STATES
from liuyan.board.models import Message
from liuyan.directory.choices import UnitKind
from liuyan.directory.models import Leader, Region, Unit


@dataclass(frozen=True)
class Scope:
    """Where a permission holds: everywhere, in region subtrees (by path prefix) or for given units."""

    everywhere: bool = False
    region_paths: frozenset[str] = field(default_factory=frozenset)
    unit_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.everywhere or self.region_paths or self.unit_ids)

    def covers_region(self, region: Region | None) -> bool:
        if self.everywhere:
            return True
        return region is not None and any(region.path.startswith(p) for p in self.region_paths)

    def covers_unit(self, unit: Unit) -> bool:
        return unit.id in self.unit_ids or self.covers_region(unit.region)

    def filter(self, *, region_path: str | None = None, unit: str | None = None) -> Q:
        """A filter for rows in scope, given the lookups that reach their region's path and their unit."""
        if self.everywhere:
            return ~Q(pk__in=[])  # not Q(): an empty Q vanishes when OR-ed with another condition
        condition = Q(pk__in=[])
        if region_path is not None:
            for path in sorted(self.region_paths):
                condition |= Q(**{f"{region_path}__startswith": path})
        if unit is not None and self.unit_ids:
            condition |= Q(**{f"{unit}__in": sorted(self.unit_ids)})
        return condition


def scope_for(user, permission: Permission) -> Scope:
    """Where `user` holds `permission`, from all of their role memberships (cached on the user)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cache = user.__dict__.setdefault("_liuyan_scopes", {})
    if permission not in cache:
        cache[permission] = _compute_scope(user, permission)
    return cache[permission]


def _compute_scope(user, permission: Permission) -> Scope:
    if user.is_superuser:
        return Scope(everywhere=True)
    everywhere, paths, units = False, set(), set()
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
    return Scope(everywhere=everywhere, region_paths=frozenset(paths), unit_ids=frozenset(units))


def can(user, permission: Permission, obj: Model) -> bool:
    """May `user` exercise `permission` on this region, unit, leader or message?

    A dispatcher's ASSIGN also reaches the central departments, as on the real board, where a desk may
    pass a message on to a ministry.
    """
    scope = scope_for(user, permission)
    if scope.empty:
        return False
    if isinstance(obj, Region):
        return scope.covers_region(obj)
    if isinstance(obj, Unit):
        if permission == Permission.ASSIGN and obj.kind == UnitKind.CENTRAL and obj.active:
            return True
        return scope.covers_unit(obj)
    if isinstance(obj, Leader):
        return scope.covers_region(obj.region)
    if isinstance(obj, Message):
        # A message is in scope by the region it concerns, or for a handler by the unit now holding it.
        return scope.covers_region(obj.region) or (obj.unit_id is not None and obj.unit_id in scope.unit_ids)
    raise TypeError(f"no scope rule for {type(obj).__name__}")


def restrict(queryset: QuerySet, user, permission: Permission) -> QuerySet:
    """The rows of a Region, Unit, Leader or Message queryset on which `user` holds `permission`."""
    scope = scope_for(user, permission)
    model = queryset.model
    if model is Region:
        return queryset.filter(scope.filter(region_path="path"))
    if model is Unit:
        condition = scope.filter(region_path="region__path", unit="id")
        if permission == Permission.ASSIGN and not scope.empty:
            condition |= Q(kind=UnitKind.CENTRAL, active=True)
        return queryset.filter(condition)
    if model is Leader:
        return queryset.filter(scope.filter(region_path="region__path"))
    if model is Message:
        return queryset.filter(scope.filter(region_path="region__path", unit="unit"))
    raise TypeError(f"no scope rule for {model.__name__}")


# Sorted: the same SQL in every process (a frozenset's order is not), as the lists' index predicates are.
PUBLIC_MESSAGE = Q(public=True, hidden=False, state__in=sorted(PUBLIC_STATES))


def visible_messages(user) -> QuerySet[Message]:
    """The messages `user` may read: public ones, their own whatever their state, and those in the
    scope of their VIEW permission (a handler: those its unit holds)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Message.objects.filter(PUBLIC_MESSAGE)
    scope = scope_for(user, Permission.VIEW)
    return Message.objects.filter(
        PUBLIC_MESSAGE | Q(author=user) | scope.filter(region_path="region__path", unit="unit")
    )


def get_in_scope_or_404(queryset: QuerySet, user, permission: Permission, **lookup) -> Model:
    """The object, if it exists and `user` holds `permission` on it; otherwise 404 either way."""
    try:
        return restrict(queryset, user, permission).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
