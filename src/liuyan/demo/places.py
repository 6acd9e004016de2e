"""Where the demo's messages are about, whom they are for and which units handle them: the seeded
directory, read once. Most of the demo happens in 临沧 and the rest of 云南, where its staff accounts work."""

import random
from collections import defaultdict

from liuyan.board.models import Message
from liuyan.directory import catalogue
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Leader, Region, Unit

LINCANG, YUNNAN, CHAOYANG = "530900", "530000", "110105"


class Places:
    """The directory as the demo uses it: regions, leaders, units, and choices among them."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        # Current places only: one that has gone (株洲县) takes no new messages.
        self.regions = {region.code: region for region in Region.objects.filter(active=True)}
        children: dict[str | None, list[str]] = defaultdict(list)
        for region in self.regions.values():
            children[region.parent_id].append(region.code)
        for codes in children.values():
            codes.sort()
        self.leaders: dict[str, list[Leader]] = defaultdict(list)
        for leader in Leader.objects.filter(active=True).select_related("desk").order_by("order", "id"):
            self.leaders[leader.region_id].append(leader)
        self.leader_by_code = {leader.code: leader for group in self.leaders.values() for leader in group}

        # Where messages are about: all of 临沧, part of the rest of 云南, and a few places in every
        # other province (a province, two prefectures, two counties), so that each unit gets a few.
        self.lincang = [LINCANG, *children[LINCANG]]
        yunnan_prefectures = [code for code in children[YUNNAN] if code != LINCANG]
        yunnan_counties = [code for prefecture in yunnan_prefectures for code in children[prefecture]]
        self.yunnan = [
            YUNNAN,
            *yunnan_prefectures,
            *rng.sample(yunnan_counties, min(16, len(yunnan_counties))),
        ]
        elsewhere = []
        for province in children[None]:
            if province == YUNNAN or province in catalogue.OUT_OF_SERVICE_PROVINCES:
                continue
            below = children[province]
            prefectures = [c for c in below if self.regions[c].level == RegionLevel.PREFECTURE]
            counties = [c for c in below if self.regions[c].level == RegionLevel.COUNTY]
            counties += [c for prefecture in prefectures for c in children[prefecture]]
            elsewhere += [province, *rng.sample(prefectures, min(2, len(prefectures)))]
            elsewhere += rng.sample(counties, min(2, len(counties)))
        if CHAOYANG not in elsewhere:
            elsewhere.append(CHAOYANG)
        self.elsewhere = [code for code in elsewhere if self.leaders.get(code)]
        self.provinces = [code for code in self.elsewhere if self.regions[code].level == RegionLevel.PROVINCE]

        wanted = set(self.lincang + self.yunnan + self.elsewhere)
        wanted |= {code for place in list(wanted) for code in self.lineage(place)}
        units = Unit.objects.filter(active=True).exclude(kind=UnitKind.DISPATCH_DESK).select_related("region")
        self.units = {unit.code: unit for unit in units.filter(region_id__in=wanted)}
        self.units |= {unit.code: unit for unit in units.filter(kind=UnitKind.CENTRAL)}
        self.domain_keys: dict[str, list[str]] = defaultdict(list)
        for department in catalogue.DEPARTMENTS:
            for domain in department.domains:
                self.domain_keys[domain].append(department.key)
        self.central_by_domain: dict[str, list[str]] = defaultdict(list)
        for key, _name, domains in catalogue.CENTRAL_DEPARTMENTS:
            for domain in domains:
                self.central_by_domain[domain].append(f"central-{key}")

    def lineage(self, code: str) -> list[str]:
        """The codes from the province down to `code`."""
        return [part for part in self.regions[code].path.split("/") if part]

    def place_name(self, code: str) -> str:
        """How a citizen names a place: 临沧市永德县, 北京市朝阳区, 临沧市, 云南省."""
        region = self.regions[code]
        if region.level == RegionLevel.COUNTY and region.parent_id:
            return self.regions[region.parent_id].name + region.name
        return region.name

    def pick_place(self, pool: str) -> tuple[str, Leader]:
        """A region and an addressee: in 临沧, elsewhere in 云南, or elsewhere in China."""
        rng = self.rng
        if pool == "lincang":
            if rng.random() < 0.7:
                region = LINCANG if rng.random() < 0.35 else rng.choice(self.lincang[1:])
                return region, rng.choice(self.leaders[LINCANG])
            county = rng.choice(self.lincang[1:])
            return county, rng.choice(self.leaders[county])
        if pool == "yunnan":
            if rng.random() < 0.3:
                region = YUNNAN if rng.random() < 0.2 else rng.choice(self.yunnan[1:])
                return region, rng.choice(self.leaders[YUNNAN])
            region = rng.choice(self.yunnan[1:])
            return region, rng.choice(self.leaders[region])
        region = CHAOYANG if rng.random() < 0.08 else rng.choice(self.elsewhere)
        return region, self.addressee(region)

    def addressee(self, region: str) -> Leader:
        """Whom a message about `region` is for: the place's own leaders, or those of a place above it."""
        rng = self.rng
        holders = [code for code in self.lineage(region) if self.leaders.get(code)]
        holder = holders[-1] if len(holders) == 1 or rng.random() < 0.55 else rng.choice(holders[:-1])
        return rng.choice(self.leaders[holder])

    def unit_for(self, region: str, domain: str, leader_region: str) -> Unit:
        """The unit a desk gives a message to: a department for its domain at the message's place or at
        the addressee's level (the demo's own units first), else the place's government."""
        rng = self.rng
        places = [region, leader_region] if rng.random() < 0.7 else [leader_region, region]
        if region.startswith(LINCANG[:4]) and domain == "教育":
            places = [region] if region == "530923" else [LINCANG] if rng.random() < 0.7 else places
        elif region.startswith(LINCANG[:4]) and domain == "城建" and rng.random() < 0.7:
            places = [LINCANG]
        elif region == CHAOYANG and domain in ("教育", "城建"):
            places = [CHAOYANG]
        for place in places:
            keys = self.domain_keys[domain]
            candidates = [self.units[f"{place}-{key}"] for key in keys if f"{place}-{key}" in self.units]
            if candidates:
                return candidates[0] if rng.random() < 0.6 else rng.choice(candidates)
        return self.units[f"{region}-government"]

    def other_unit(self, unit: Unit, message: Message) -> Unit | None:
        """Where a message moves on from `unit`, within the unit's own place as a transfer must stay: a
        sibling department for its domain, or one at the message's place below it (another central
        department for a central one); the message's place's government when there is none; None when
        that is `unit` itself (a township's government has no other unit at its place)."""
        keys, region = self.domain_keys[message.domain.name], unit.region_id
        if region is None:
            options = [self.units[code] for code in self.central_by_domain[message.domain.name]]
        else:
            codes = [f"{r}-{k}" for r in dict.fromkeys((region, message.region_id)) for k in keys]
            options = [self.units[code] for code in codes if code in self.units]
        options = [option for option in options if option.pk != unit.pk]
        if not options:
            government = self.units.get(f"{message.region_id}-government")
            options = [government] if government and government.pk != unit.pk else []
        return self.rng.choice(options) if options else None
