"""Reads of the directory, shared by the API and the pages."""

from django.db.models import Exists, OuterRef, QuerySet

from liuyan.directory.choices import UnitKind
from liuyan.directory.models import Domain, Leader, MessageType, Region, Unit


def regions_under(parent: Region | None) -> QuerySet[Region]:
    """The regions directly under `parent` (the province level when None), each marked `has_children`."""
    return (
        Region.objects.filter(parent=parent)
        .annotate(has_children=Exists(Region.objects.filter(parent=OuterRef("pk"))))
        .order_by("code")
    )


def active_leaders(region: Region) -> QuerySet[Leader]:
    return Leader.objects.filter(region=region, active=True).select_related("desk").order_by("order", "id")


def active_units(region: Region | None) -> QuerySet[Unit]:
    """The active units of a region (the central departments when None), desk first."""
    units = Unit.objects.filter(active=True).prefetch_related("domains")
    if region is None:
        return units.filter(kind=UnitKind.CENTRAL).order_by("id")
    kind_order = [UnitKind.DISPATCH_DESK, UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT, UnitKind.DEPARTMENT]
    units = units.filter(region=region)
    return sorted(units, key=lambda unit: (kind_order.index(unit.kind), unit.id))


def active_domains() -> QuerySet[Domain]:
    return Domain.objects.filter(active=True).order_by("parent_id", "order", "id")


def active_message_types() -> QuerySet[MessageType]:
    return MessageType.objects.filter(active=True)
