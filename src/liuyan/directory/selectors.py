"""Reads of the directory, shared by the API and the pages."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When

from liuyan.directory import catalogue
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Domain, Leader, MessageType, Region, SlaPolicy, Unit


def regions_under(parent: Region | None) -> QuerySet[Region]:
    """The current regions directly under `parent` (the province level when None), each marked
    `has_children`."""
    return (
        Region.objects.filter(parent=parent, active=True)
        .annotate(has_children=Exists(Region.objects.filter(parent=OuterRef("pk"), active=True)))
        .order_by("code")
    )


REGION_SEARCH_LIMIT = 40


def region_labels(regions: Iterable[Region]) -> dict[str, str]:
    """Each region's name with those of the places above it (云南省 临沧市 沧源县), by code; one query."""
    regions = list(regions)
    codes = {code for region in regions for code in region.path.split("/") if code}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return {
        region.code: " ".join(names.get(code, code) for code in region.path.split("/") if code)
        for region in regions
    }


def find_regions(query: str, limit: int = REGION_SEARCH_LIMIT) -> tuple[list[Region], bool]:
    """Current regions named with every word of `query` (a code too), each followed by the places directly
    under it (临沧 finds 临沧市 and its counties), in tree order; at most `limit`, and whether there were
    more."""
    words = [word for word in query.split() if word.isprintable()][:5]  # no NUL into SQL
    if not words:
        return [], False
    current = Region.objects.filter(active=True)
    named = current
    for word in words:
        named = named.filter(Q(name__icontains=word) | Q(code=word))
    found = list(named.order_by("path")[: limit + 1])
    children = current.filter(parent__in=[r.code for r in found]).exclude(code__in=[r.code for r in found])
    rows = sorted([*found, *children.order_by("path")[: limit + 1]], key=lambda r: r.path)
    return rows[:limit], len(rows) > limit


PLACE_SEARCH_LIMIT = 20
LEVEL_ORDER = [RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY, RegionLevel.TOWNSHIP]


@dataclass(frozen=True)
class FoundPlace:
    """A place a citizen typed the name of: the region to choose (the successor of one that has gone) with
    the places above it (云南省 临沧市 永德县), and the old name typed when it has gone (长乐市)."""

    region: Region
    label: str
    path: list[str]
    former_name: str = ""


def search_places(query: str, limit: int = PLACE_SEARCH_LIMIT) -> list[FoundPlace]:
    """The places whose name holds `query` (水部 finds 水部街道 of 福州市鼓楼区), the exact name first, then
    names that start with it, higher levels before lower ones. A region that has gone is offered as its
    successor, under its old name. Two queries."""
    query = "".join(ch for ch in query.strip() if ch.isprintable() and not ch.isspace())[:20]
    if not query:
        return []
    closeness = Case(
        When(name=query, then=Value(0)), When(name__startswith=query, then=Value(1)), default=Value(2)
    )
    depth = Case(*(When(level=level, then=Value(i)) for i, level in enumerate(LEVEL_ORDER)), default=Value(9))
    found = list(
        Region.objects.filter(name__contains=query)
        .filter(Q(active=True) | Q(replaced_by__active=True))
        .select_related("replaced_by")
        .annotate(closeness=closeness, depth=depth)
        .order_by("closeness", "depth", "code")[:limit]
    )
    places: list[tuple[Region, str]] = []
    for region in found:
        chosen = region if region.active else region.replaced_by
        assert chosen is not None  # the filter keeps a region that has gone only with an active successor
        if all(place.code != chosen.code for place, _ in places):
            places.append((chosen, "" if region.active else region.name))
    labels = region_labels(place for place, _ in places)
    return [
        FoundPlace(place, labels[place.code], [c for c in place.path.split("/") if c], former)
        for place, former in places
    ]


def active_leaders(region: Region) -> QuerySet[Leader]:
    return Leader.objects.filter(region=region, active=True).select_related("desk").order_by("order", "id")


def central_department(code: str) -> Unit | None:
    """The active central department (部委) whose unit code is `code`."""
    return Unit.objects.filter(code=code, kind=UnitKind.CENTRAL, active=True).first()


def ministries() -> list[Unit]:
    """The active central departments that have an active leader to write to: the ministry boards."""
    with_leaders = Exists(Leader.objects.filter(department=OuterRef("pk"), active=True))
    return list(Unit.objects.filter(with_leaders, kind=UnitKind.CENTRAL, active=True).order_by("id"))


def department_leaders(department: Unit | None) -> QuerySet[Leader]:
    """The active leaders of a central department, or of every one when None, department by department."""
    leaders = Leader.objects.filter(department__isnull=False, active=True)
    if department is not None:
        leaders = leaders.filter(department=department)
    return leaders.select_related("desk", "department").order_by("department_id", "order", "id")


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
