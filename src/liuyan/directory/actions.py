"""Writes to the directory: seeding it from the region table and importing a domain taxonomy."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Model, QuerySet

from liuyan.directory import catalogue, divisions
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.divisions import Division
from liuyan.directory.models import (
    Domain,
    Leader,
    MessageType,
    Region,
    RoutingRule,
    SlaPolicy,
    Unit,
)


@dataclass
class SeedReport:
    """How many rows of each kind a seed created or updated."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def lines(self) -> list[str]:
        return [
            f"{kind}: {self.created.get(kind, 0)} created, {self.updated.get(kind, 0)} updated"
            for kind in (
                "domains",
                "message types",
                "sla policies",
                "regions",
                "units",
                "unit domains",
                "leaders",
                "routing rules",
            )
        ]


def region_rows(table: dict[str, Division] | None = None) -> list[dict]:
    """The regions the directory holds, as rows, parents before children: every division of the official
    table (`table`, the installed 2025 one by default), then each code of cpca's older table that has gone,
    inactive, with its successor where one is clear. cpca's coordinates are kept for the codes it has and
    lent to a successor that has none. A province the official table lacks (台湾省) stays as cpca has it."""
    new = table or divisions.read_division_table()
    cpca = divisions.read_cpca_table()
    gone_to = divisions.successors(cpca.divisions, new)
    coordinates = dict(cpca.coordinates)
    for code, successor in gone_to.items():
        if successor and code in coordinates:
            coordinates.setdefault(successor, coordinates[code])
    rows = []
    for division in new.values():
        rows.append(_region_row(division, coordinates, active=True, replaced_by=None))
    for code, successor in gone_to.items():
        division = cpca.divisions[code]
        kept = division.code[:2] + "0000" not in new
        rows.append(_region_row(division, coordinates, active=kept, replaced_by=None if kept else successor))
    paths: dict[str | None, str] = {}
    for row in rows:
        paths[row["code"]] = paths.get(row["parent_id"], "") + row["code"] + "/"
        row["path"] = paths[row["code"]]
    return rows


def _region_row(division: Division, coordinates: dict, *, active: bool, replaced_by: str | None) -> dict:
    longitude, latitude = coordinates.get(division.code, (None, None))
    return {
        "code": division.code,
        "name": division.name,
        "level": division.level,
        "parent_id": division.parent,
        "longitude": longitude,
        "latitude": latitude,
        "active": active,
        "replaced_by_id": replaced_by,
    }


@transaction.atomic
def seed_directory() -> SeedReport:
    """Create what the directory lacks: domains, types, the national deadlines, regions, and for every
    region down to the counties its dispatch desk, party committee, government, standard departments and
    leaders; for every township its government and leaders, whose messages go to the desk above it; plus
    the central departments.

    Regions follow the official table (a region moves to its new name, parent and path; one that has gone
    is kept, inactive, with its successor, and its leaders stop being addressable; none is deleted); every
    other row is only created when missing, so what administrators changed afterwards is kept. A second run
    changes nothing.
    """
    report = SeedReport()
    report.created["domains"] = _create_missing(
        Domain,
        "name",
        {name: {"order": i} for i, name in enumerate(catalogue.DEFAULT_DOMAINS, 1)},
        queryset=Domain.objects.filter(parent=None),
    )
    report.created["message types"] = _create_missing(
        MessageType,
        "code",
        {
            code: {"name": name, "order": i}
            for i, (code, name) in enumerate(catalogue.DEFAULT_MESSAGE_TYPES, 1)
        },
    )
    report.created["sla policies"] = _seed_sla_policies()
    report.created["regions"], report.updated["regions"] = _sync_regions(region_rows())
    report.updated["leaders"] = _retire_leaders_of_gone_regions()
    regions = list(Region.objects.filter(active=True).values_list("code", "name", "path"))
    report.created["units"] = _seed_units(regions)
    report.created["unit domains"] = _seed_unit_domains(regions)
    report.created["leaders"] = _seed_leaders(regions)
    desks, leaders = seed_ministries()
    report.created["units"] += desks
    report.created["leaders"] += leaders
    report.created["routing rules"] = _seed_routing_rules()
    return report


def _seed_routing_rules() -> int:
    """The national lines of the routing catalogue, derived from what each kind of department handles:
    a domain goes to the department of the message's region that handles it (its first domain weighs
    more than the others), some keywords to one department, and anything else to the region's government."""
    domain_ids = dict(Domain.objects.filter(parent=None).values_list("name", "id"))
    desired: dict[tuple, int] = {}
    for department in catalogue.DEPARTMENTS:
        for position, name in enumerate(department.domains):
            desired[(domain_ids[name], department.key, "")] = 100 if position == 0 else 60
    for key, keywords, weight in catalogue.KEYWORD_ROUTES:
        desired[(None, key, keywords)] = weight
    desired[(None, "government", "")] = 10
    existing = set(
        RoutingRule.objects.filter(region=None, unit=None).values_list("domain_id", "department", "keywords")
    )
    missing = [
        RoutingRule(domain_id=domain_id, department=department, keywords=keywords, weight=weight)
        for (domain_id, department, keywords), weight in desired.items()
        if (domain_id, department, keywords) not in existing
    ]
    RoutingRule.objects.bulk_create(missing)
    return len(missing)


def _create_missing(
    model: type[Model], key: str, desired: dict[str, dict], queryset: QuerySet | None = None
) -> int:
    manager = model._default_manager
    existing = set((manager.all() if queryset is None else queryset).values_list(key, flat=True))
    missing = [{key: k, **values} for k, values in desired.items() if k not in existing]
    _insert(model, missing)
    return len(missing)


def _insert(model: type[Model], rows: list[dict]) -> None:
    """Insert `rows` (values by field attname; the others take their defaults) in order, without building
    model instances: a first seed writes some 300,000 rows, and building as many instances and their
    INSERTs took most of its time. On PostgreSQL by COPY, elsewhere by one prepared INSERT."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in rows[0])]
    defaults = {f.attname: f.get_default() for f in fields}
    values = (
        [f.get_db_prep_save(row.get(f.attname, defaults[f.attname]), connection) for f in fields]
        for row in rows
    )
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The Django cursor wraps psycopg's, whose copy() streams the rows.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row_values in values:
                    copy.write_row(row_values)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(values))


def _seed_sla_policies() -> int:
    """The national policies: one for all types, one for each type with its own default."""
    type_ids = dict(MessageType.objects.values_list("code", "id"))
    desired = {None: catalogue.DEFAULT_SLA_DAYS} | {
        type_ids[code]: days for code, days in catalogue.DEFAULT_SLA_DAYS_BY_TYPE.items() if code in type_ids
    }
    existing = set(SlaPolicy.objects.filter(region=None).values_list("message_type_id", flat=True))
    missing = [
        SlaPolicy(region=None, message_type_id=type_id, accept_days=accept_days, reply_days=reply_days)
        for type_id, (accept_days, reply_days) in desired.items()
        if type_id not in existing
    ]
    SlaPolicy.objects.bulk_create(missing)
    return len(missing)


def _sync_regions(rows: list[dict]) -> tuple[int, int]:
    """Write the regions that differ from `rows`, by code: coordinates only where the row has some, so
    that those an administrator entered stay."""
    fields = ["name", "level", "parent_id", "path", "active", "replaced_by_id", "longitude", "latitude"]
    existing = {values[0]: values[1:] for values in Region.objects.values_list("code", *fields)}
    created, updated = [], []
    for row in rows:
        current = existing.get(row["code"])
        if current is None:
            created.append(row)
            continue
        wanted = {f: row[f] for f in fields if row[f] is not None or f not in ("longitude", "latitude")}
        if any(value != wanted[f] for f, value in zip(fields, current, strict=True) if f in wanted):
            updated.append(Region(code=row["code"], **(dict(zip(fields, current, strict=True)) | wanted)))
    # Parents come first in `rows`, so each batch only refers to codes already written.
    _insert(Region, created)
    Region.objects.bulk_update(updated, fields, batch_size=1000)
    return len(created), len(updated)


def _retire_leaders_of_gone_regions() -> int:
    """A region that has gone takes no new messages: its leaders are no longer addressable. Its units stay
    as they are, to finish what they hold."""
    return Leader.objects.filter(region__active=False, active=True).update(active=False)


def _above_townships(regions: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The regions that have departments (a township has none): one in ten of them."""
    return [region for region in regions if len(region[0]) == 6]


def _in_service(path: str) -> bool:
    return path[:6] not in catalogue.OUT_OF_SERVICE_PROVINCES


def _seed_units(regions: list[tuple[str, str, str]]) -> int:
    top: dict[str, dict] = {}
    for code, name, path in regions:
        active = _in_service(path)
        if catalogue.level_of(code) != RegionLevel.TOWNSHIP:  # a township's messages go to the desk above
            top[f"{code}-desk"] = dict(
                name=catalogue.desk_name(name), kind=UnitKind.DISPATCH_DESK, region_id=code, active=active
            )
        if party := catalogue.party_committee_name(code, name):
            top[f"{code}-party"] = dict(
                name=party, kind=UnitKind.PARTY_COMMITTEE, region_id=code, active=active
            )
        top[f"{code}-government"] = dict(
            name=catalogue.government_name(code, name),
            kind=UnitKind.GOVERNMENT,
            region_id=code,
            active=active,
        )
    for key, name, _domains in catalogue.CENTRAL_DEPARTMENTS:
        top[f"central-{key}"] = dict(name=name, kind=UnitKind.CENTRAL, region_id=None)
    created = _create_missing(Unit, "code", top)

    government_ids = dict(Unit.objects.filter(kind=UnitKind.GOVERNMENT).values_list("region_id", "id"))
    departments = {}
    for code, name, path in _above_townships(regions):
        for department in catalogue.DEPARTMENTS:
            if department_name := department.name_at(code):
                departments[f"{code}-{department.key}"] = dict(
                    name=name + department_name,
                    kind=UnitKind.DEPARTMENT,
                    region_id=code,
                    parent_id=government_ids.get(code),
                    active=_in_service(path),
                )
    return created + _create_missing(Unit, "code", departments)


def _seed_unit_domains(regions: list[tuple[str, str, str]]) -> int:
    domain_ids = dict(Domain.objects.filter(parent=None).values_list("name", "id"))
    unit_ids = dict(Unit.objects.values_list("code", "id"))
    wanted: set[tuple[int, int]] = set()
    for key, _name, domains in catalogue.CENTRAL_DEPARTMENTS:
        wanted.update((unit_ids[f"central-{key}"], domain_ids[d]) for d in domains)
    for code, _name, _path in _above_townships(regions):
        for department in catalogue.DEPARTMENTS:
            if (unit_id := unit_ids.get(f"{code}-{department.key}")) is not None:
                wanted.update((unit_id, domain_ids[d]) for d in department.domains)
    through = Unit.domains.through
    existing = set(through.objects.values_list("unit_id", "domain_id"))
    missing = [{"unit_id": u, "domain_id": d} for u, d in sorted(wanted - existing)]
    _insert(through, missing)
    return len(missing)


def _seed_leaders(regions: list[tuple[str, str, str]]) -> int:
    desk_ids = dict(Unit.objects.filter(kind=UnitKind.DISPATCH_DESK).values_list("region_id", "id"))
    desired = {}
    for code, name, path in regions:
        # A township has no desk of its own: the county's (or the prefecture's, where it has no counties).
        desk_id = desk_ids.get(code) or desk_ids[path.split("/")[-3]]
        for order, (role, title) in enumerate(
            zip(("secretary", "head"), catalogue.leader_titles(code, name), strict=False), 1
        ):
            desired[f"{code}-{role}"] = dict(
                title=title, region_id=code, desk_id=desk_id, order=order, active=_in_service(path)
            )
    return _create_missing(Leader, "code", desired)


def seed_ministries() -> tuple[int, int]:
    """The ministry boards (部委留言板): for each central department its own dispatch desk (no region,
    under the department) and its leaders (部长, 副部长 …), whose messages go to that desk. Returns how many
    desks and leaders were created; existing rows are kept as administrators left them."""
    central_ids = dict(Unit.objects.filter(kind=UnitKind.CENTRAL).values_list("code", "id"))
    departments = {
        key: (name, central_ids[f"central-{key}"])
        for key, name, _domains in catalogue.CENTRAL_DEPARTMENTS
        if f"central-{key}" in central_ids
    }
    desks = _create_missing(
        Unit,
        "code",
        {
            f"central-{key}-desk": dict(
                name=catalogue.desk_name(name), kind=UnitKind.DISPATCH_DESK, region_id=None, parent_id=unit_id
            )
            for key, (name, unit_id) in departments.items()
        },
    )
    desk_ids = dict(
        Unit.objects.filter(kind=UnitKind.DISPATCH_DESK, region=None).values_list("parent_id", "id")
    )
    leaders = _create_missing(
        Leader,
        "code",
        {
            f"central-{key}-{role}": dict(
                title=title, department_id=unit_id, desk_id=desk_ids[unit_id], order=order
            )
            for key, (name, unit_id) in departments.items()
            for order, (role, title) in enumerate(catalogue.department_leader_titles(name), 1)
        },
    )
    return desks, leaders


@dataclass
class TaxonomyImport:
    """The outcome of a taxonomy import: domains created and rows refused, by line number."""

    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


TAXONOMY_COLUMNS = ("一级分类", "二级分类", "三级分类")


@transaction.atomic
def import_taxonomy(lines: Iterable[str]) -> TaxonomyImport:
    """Add the domains of a 3-level taxonomy CSV (一级分类,二级分类,三级分类) as a tree.

    Existing domains are reused, so importing the same file twice adds nothing. A row without a
    first-level name, or with a third level but no second, is reported and skipped.
    """
    reader = csv.DictReader(lines)
    missing = [c for c in TAXONOMY_COLUMNS[:1] if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(
            f"the file lacks the column(s) {', '.join(missing)}; expected {','.join(TAXONOMY_COLUMNS)}"
        )
    result = TaxonomyImport()
    known: dict[tuple[int | None, str], Domain] = {(d.parent_id, d.name): d for d in Domain.objects.all()}
    next_order = len(known)
    for line_number, row in enumerate(reader, start=2):
        names = [(row.get(column) or "").strip() for column in TAXONOMY_COLUMNS]
        while names and not names[-1]:
            names.pop()
        if not names or "" in names:
            result.errors.append(
                (
                    line_number,
                    "a level is empty while a deeper one is filled" if names else "the row names no domain",
                )
            )
            continue
        parent: Domain | None = None
        for name in names:
            domain = known.get((parent.id if parent else None, name))
            if domain is None:
                next_order += 1
                domain = Domain.objects.create(name=name, parent=parent, order=next_order)
                known[(domain.parent_id, name)] = domain
                result.created += 1
            parent = domain
    return result
