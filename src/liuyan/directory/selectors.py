"""Reads of the directory, shared by the API and the pages."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from liuyan.directory import catalogue
from liuyan.directory.choices import UnitKind
from liuyan.directory.models import Domain, Leader, MessageType, Region, SlaPolicy, Unit


def regions_under(parent: Region | None) -> QuerySet[Region]:
    """The regions directly under `parent` (the province level when None), each marked `has_children`."""
    return (
        Region.objects.filter(parent=parent)
        .annotate(has_children=Exists(Region.objects.filter(parent=OuterRef("pk"))))
        .order_by("code")
    )


def active_leaders(region: Region) -> QuerySet[Leader]:
    return Leader.objects.filter(region=region, active=True).select_related("desk").order_by("order", "id")


def active_units(region: Region | None) -> QuerySet[Unit] | list[Unit]:
    """The active units of a region (the central departments when None), desk first."""
    units = Unit.objects.filter(active=True).prefetch_related("domains")
    if region is None:
        return units.filter(kind=UnitKind.CENTRAL).order_by("id")
    kind_order: list[str] = [
        UnitKind.DISPATCH_DESK,
        UnitKind.PARTY_COMMITTEE,
        UnitKind.GOVERNMENT,
        UnitKind.DEPARTMENT,
    ]
    units = units.filter(region=region)
    return sorted(units, key=lambda unit: (kind_order.index(unit.kind), unit.id))


def active_domains() -> QuerySet[Domain]:
    return Domain.objects.filter(active=True).order_by("parent_id", "order", "id")


def active_message_types() -> QuerySet[MessageType]:
    return MessageType.objects.filter(active=True)


@dataclass(frozen=True)
class SlaTerms:
    """The deadlines that apply to a message, in working days: to accept it and to reply to it."""

    accept_days: int
    reply_days: int
    # A rating whose 解决程度 is at most this is unhappy: the message awaits a 回访 instead of closing.
    revisit_resolution: int = 2
    # Working days the unit has to answer a 追问 on a replied message.
    follow_up_days: int = 5


def sla_terms(region: Region | None, message_type: MessageType) -> SlaTerms:
    """The deadlines for a message of `message_type` about `region` (None: no region, the national rows).

    The nearest policy wins, from the region itself up through its ancestors to the national rows; at
    each level a policy for the message type beats one for all types. Without any, the built-in defaults.
    """
    codes = [code for code in region.path.split("/") if code] if region else []
    policies: dict[tuple[str | None, int | None], SlaTerms] = {
        (region_code, type_id): SlaTerms(*terms)
        for region_code, type_id, *terms in SlaPolicy.objects.filter(
            Q(region__in=codes) | Q(region__isnull=True),
            Q(message_type=message_type) | Q(message_type__isnull=True),
        ).values_list(
            "region_id",
            "message_type_id",
            "accept_days",
            "reply_days",
            "revisit_resolution",
            "follow_up_days",
        )
    }
    for region_code in [*reversed(codes), None]:
        for type_id in (message_type.pk, None):
            if terms := policies.get((region_code, type_id)):
                return terms
    return SlaTerms(*catalogue.DEFAULT_SLA_DAYS_BY_TYPE.get(message_type.code, catalogue.DEFAULT_SLA_DAYS))
