"""The gazetteer: every way a message may name a region (full names, short forms, old names), down to the
townships, built once per process from the Region table and read by `regions.resolve_region`.

Each alias carries a weight, the prior belief that the alias means that region:

- the full name (临沧市, 朝阳区, 水部街道) and a province's short form (广西, 内蒙古, 北京): 1.0;
- a short form that keeps its suffix (楚雄州 for 楚雄彝族自治州, 耿马县 for 耿马傣族佤族自治县, 常营乡 for
  常营回族乡): 0.95;
- an old name: of a region that has gone (株洲县, 长乐市, read as its successor 渌口区, 长乐区) or from
  `RENAMED` (襄樊 → 襄阳市): 0.9;
- a bare stem of a county or higher (耿马, 临沧, 鼓楼): 0.85;
- the stem with another level's suffix (梁平县 for 梁平区, 那曲地区 for 那曲市): 0.7;
- a bare stem that is also an everyday word (安康, 和平, 长安, 东风), or a township name that is one
  (小城镇): 0.45, so that it only counts when the hint or another mention agrees.

A township is only named with its suffix (孟定镇, 水部街道, 水部街道办事处): its bare stem (孟定, 梅溪湖) is
no alias, there being 38,000 of them, many of them estates', rivers' and roads' names as well.

Stems shorter than two characters are never aliases (沛县 is only matched whole), nor are generic names
that are ordinary words (城区, 郊区, 矿区). Aliases of two characters and bare stems are only taken where
jieba's segmentation of the message puts a word boundary on both sides (`Alias.needs_word_boundary`), so
中山路, 哈密瓜, 长治久安 and 县城 in 乡镇和县城 do not count as places. An alias not written in full (a
bare stem or a province's short form) is `Alias.written_in_full` False: `regions` reads it only where it
is not part of a longer name (大庆路, 东光花园) and, given an addressee, only inside the addressee's region
unless its parent is named too.
"""

import logging
from dataclasses import dataclass, field
from functools import cache

import jieba

from liuyan.directory.catalogue import short_autonomous_name
from liuyan.directory.choices import RegionLevel
from liuyan.directory.models import Region

FULL = 1.0
SUFFIXED_SHORT = 0.95
OLD_NAME = 0.9
STEM = 0.85
OTHER_SUFFIX = 0.7
COMMON_WORD_STEM = 0.45

# Old names the Region table does not hold (older than cpca's table, from which the regions that have gone
# come), mapped to the region that succeeded them. Sources: the Ministry of Civil Affairs' yearly
# announcements of changes to county-level and higher divisions (民政部《行政区划变更情况》), as summarised on
# the Chinese Wikipedia pages of each place; the year of the change is given.
RENAMED = {
    "襄樊": "420600",  # 襄樊市 → 襄阳市, 2010
    "襄樊市": "420600",
    "思茅市": "530800",  # 思茅市 → 普洱市, 2007 (思茅区 remains a district of 普洱市)
    "思茅地区": "530800",
    "宣武区": "110102",  # merged into 西城区, 2010
    "崇文区": "110101",  # merged into 东城区, 2010
    "卢湾区": "310101",  # merged into 黄浦区, 2011
    "闸北区": "310106",  # merged into 静安区, 2015
    "南汇区": "310115",  # merged into 浦东新区, 2009
    "南汇": "310115",
    "塘沽区": "120116",  # 塘沽, 汉沽, 大港 merged into 滨海新区, 2009
    "塘沽": "120116",
    "汉沽区": "120116",
    "汉沽": "120116",
    "大港区": "120116",
    "大港": "120116",
    "中甸县": "533401",  # 中甸县 → 香格里拉县, 2001; 香格里拉市, 2014
    "中甸": "533401",
    "潞西市": "533103",  # 潞西市 → 芒市, 2010
    "潞西": "533103",
    "绍兴县": "330603",  # 绍兴县 → 柯桥区, 2013
    "达县": "511703",  # 达县 → 达川区, 2013
    "通什市": "469001",  # 通什市 → 五指山市, 2001
}

# Everyday words a one-character-longer name may hide in (于城镇 in 属于城镇, 海城市 in 沿海城市).
GLUING_WORDS = frozenset({"城镇", "城区", "城市", "乡镇", "市区", "县城"})

# Names in the table that are also ordinary words and would match everywhere: never aliases.
GENERIC_NAMES = frozenset({"城区", "郊区", "矿区", "东区", "西区", "市中"})

# Full names that are also common phrases (老城区改造, 小城镇建设): read with the common-word weight.
COMMON_WORD_NAMES = frozenset({"老城区", "新城区", "解放区", "新市区", "小城镇", "新城镇"})

# Stems that are everyday words (祝您安康, 和平年代, 东风路) or parts of common names (中山路, 长安汽车).
# jieba's tags cannot tell them apart from city names (it tags 合肥 and 烟台 as nouns, 大连 as an
# adverb, 江山 and 长安 as places), so prefecture stems are judged by this list only; county stems also
# by jieba (see `is_common_word`).
COMMON_WORD_STEMS = frozenset(
    """中山 江山 长城 新城 东方 北海 白银 安康 长治 开封 来宾 三明 太平 商城 河口 南湖
    古城 东湖 南海 中原 江南 平原 长安 新建 和平 新华 平安 前进 东风 红旗 向阳 光明
    城中 城东 城西 城北 城南 友谊 凤凰 白云 温泉 武功 高明 黄龙 石林 永和 建华 龙泉
    太和 共和 阿里 中卫 玉树 爱民 安居 回民 海棠 七星 天涯 灯塔 同心 小店 民权 无为
    双桥 丰满 大观 三门 桃源 名山 平和 莲花 大方 三元 振兴 石门 洞口 芙蓉 平定 宏伟
    清新 长子 复兴 前锋 清水 富裕 大名 工农 会同 南岸 光泽 万年 运河 新兴 红星 新民
    富民 两江""".split()  # noqa: SIM905 - a word list reads better as text
)

# A county stem that jieba's dictionary holds as a non-place word (比如, 合作, 资源, 通道, 公安 are
# counties) at least this often is a common word. Person-name tags are kept as places: jieba tags many
# place names nr.
_PLACE_TAGS = frozenset({"ns", "nsf", "nr", "nrt", "nrfg"})
_COMMON_WORD_MIN_FREQ = 200

PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
PREFECTURE_SUFFIXES = ("地区", "市", "盟", "州")
COUNTY_SUFFIXES = ("林区", "特区", "新区", "县", "区", "市", "旗")
OTHER_COUNTY_SUFFIXES = ("县", "区", "市")
OTHER_PREFECTURE_SUFFIXES = ("市", "地区", "州", "盟")
TOWNSHIP_SUFFIXES = ("镇", "乡", "苏木")


@dataclass(frozen=True)
class Place:
    """A region as the resolver sees it: code, name, level and path (codes from the province down)."""

    code: str
    name: str
    level: str
    path: str


@dataclass(frozen=True)
class Candidate:
    """One region an alias may mean, with the prior weight of that reading and the region's path."""

    code: str
    weight: float
    path: str


@dataclass(frozen=True)
class Alias:
    """A string that names one or more regions."""

    text: str
    candidates: tuple[Candidate, ...]
    needs_word_boundary: bool
    written_in_full: bool


@dataclass
class Gazetteer:
    """All aliases, indexed by their first two characters for a longest-match scan, and the active regions."""

    places: dict[str, Place]
    aliases: dict[str, Alias]
    # For each first two characters (every alias has two or more), the alias lengths that start with them,
    # longest first: most places in a text start no alias, and cost one look-up.
    lengths_by_prefix: dict[str, tuple[int, ...]]
    # A region that has gone → the active region that took its place (its successor, else its parent).
    successors: dict[str, str] = field(default_factory=dict)
    _by_name: dict[str, list[Place]] | None = field(default=None, repr=False)

    def place_by_name(self, name: str) -> Place | None:
        if self._by_name is None:
            self._by_name = {}
            for place in self.places.values():
                self._by_name.setdefault(place.name, []).append(place)
        matches = self._by_name.get(name, [])
        return matches[0] if len(matches) == 1 else None

    def place(self, code: str) -> Place | None:
        """The active region of `code`, or its successor's when it has gone."""
        return self.places.get(self.successors.get(code, code))


def _stem(name: str, level: str) -> tuple[str, str] | None:
    """(stem, suffix) of a name, without ethnic-group words: 耿马傣族佤族自治县 → (耿马, 县),
    临沧市 → (临沧, 市), 广西壮族自治区 → (广西, 自治区); None when no stem of two characters is left."""
    if level == RegionLevel.PROVINCE:
        for suffix in PROVINCE_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                return name.removesuffix(suffix), suffix
        return None
    for suffix in ("州", "县", "旗"):
        if name.endswith("自治" + suffix):
            short = short_autonomous_name(name, suffix)
            if short == name:
                return None  # only the people's name would be left (鄂温克族自治旗)
            return short.removesuffix(suffix), suffix
    suffixes = PREFECTURE_SUFFIXES if level == RegionLevel.PREFECTURE else COUNTY_SUFFIXES
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name.removesuffix(suffix), suffix
    return None


def short_township_name(name: str) -> str | None:
    """An ethnic township's name without its peoples, as people write it: 常营回族乡 → 常营乡,
    乌木龙彝族乡 → 乌木龙乡, 得力其尔鄂温克民族乡 → 得力其尔乡; None for any other township, or when
    only the people's name would be left (鄂温克民族苏木)."""
    for suffix in TOWNSHIP_SUFFIXES:
        if name.endswith(suffix) and "族" in name:
            stem = name.removesuffix(suffix).removesuffix("民族")
            # The peoples are stripped as from an autonomous place's name (双江拉祜族佤族布朗族傣族自治县).
            short = short_autonomous_name(stem + "自治" + suffix, suffix)
            if short != stem + "自治" + suffix and len(short) - len(suffix) >= 2:
                return short
    return None


def _jieba_words(words: set[str]) -> dict[str, tuple[int, str]]:
    """jieba's dictionary entries (frequency, tag) for the given words."""
    found = {}
    with jieba.dt.get_dict_file() as file:
        for raw in file:
            parts = raw.decode("utf-8").split()
            if len(parts) == 3 and parts[0] in words:
                found[parts[0]] = (int(parts[1]), parts[2])
    return found


def is_common_word(stem: str, level: str, jieba_entry: tuple[int, str] | None) -> bool:
    if stem in COMMON_WORD_STEMS:
        return True
    if jieba_entry is None or level != RegionLevel.COUNTY:
        return False
    freq, tag = jieba_entry
    return tag not in _PLACE_TAGS and freq >= _COMMON_WORD_MIN_FREQ


def build_gazetteer(places: list[Place], gone: dict[str, tuple[str, str | None]] | None = None) -> Gazetteer:
    """The aliases of the given active `places` (see the module docstring for the weights), and of the
    regions that have gone: `gone` maps such a region's code to (its name, the code of the region that took
    its place, or None when no single one did: its parent's is used then, as the parent named in the
    code's first digits, down to the province)."""
    by_code = {place.code: place for place in places}
    successors = _successors(gone or {}, by_code)
    entries: dict[str, dict[str, float]] = {}
    # Aliases that end with a suffix somewhere (a name, not a bare stem) need no word-boundary check.
    suffixed: set[str] = set()

    def add(alias: str, code: str, weight: float, bare: bool = False) -> None:
        if len(alias) < 2 or alias in GENERIC_NAMES:
            return
        codes = entries.setdefault(alias, {})
        codes[code] = max(codes.get(code, 0.0), weight)
        if not bare:
            suffixed.add(alias)

    stems: list[tuple[str, str, Place]] = []
    for place in places:
        add(place.name, place.code, COMMON_WORD_STEM if place.name in COMMON_WORD_NAMES else FULL)
        if place.level == RegionLevel.TOWNSHIP:
            if short := short_township_name(place.name):
                add(short, place.code, SUFFIXED_SHORT)
            continue
        stemmed = _stem(place.name, place.level)
        if stemmed is None:
            continue
        stem, suffix = stemmed
        stems.append((stem, suffix, place))
        if place.level == RegionLevel.PROVINCE:
            add(stem, place.code, FULL, bare=True)
            continue
        if suffix in ("州", "县", "旗") and not place.name.endswith(stem + suffix):
            add(stem + suffix, place.code, SUFFIXED_SHORT)  # 楚雄州, 耿马县

    dictionary = _jieba_words({stem for stem, _suffix, _place in stems})
    common_stems = set()
    for stem, suffix, place in stems:
        if place.level == RegionLevel.PROVINCE:
            continue
        if place.name in COMMON_WORD_NAMES or is_common_word(stem, place.level, dictionary.get(stem)):
            common_stems.add(stem)
            add(stem, place.code, COMMON_WORD_STEM, bare=True)
            continue  # no 比如市 for 比如县, no 新建县 for 新建区: they are phrases first
        add(stem, place.code, STEM, bare=True)
        others = OTHER_PREFECTURE_SUFFIXES if place.level == RegionLevel.PREFECTURE else OTHER_COUNTY_SUFFIXES
        for other in others:
            if other != suffix:
                add(stem + other, place.code, OTHER_SUFFIX)

    for code, (name, _successor) in (gone or {}).items():
        if code in successors:
            add(name, successors[code], OLD_NAME)
    for alias, code in RENAMED.items():
        if (target := successors.get(code, code)) in by_code:
            add(alias, target, OLD_NAME, bare=not alias.endswith(("市", "区", "县", "地区")))

    aliases = {}
    for text, codes in entries.items():
        candidates = tuple(
            Candidate(code, weight, by_code[code].path) for code, weight in sorted(codes.items())
        )
        full = text in suffixed
        # A name that starts with an everyday word (城东区, 新华街道) or whose first character may end the
        # word before it (属于城镇 → 于城镇, 沿海城市 → 海城市) is only a name where jieba sees one.
        glued = (len(text) == 3 and text[:2] in common_stems) or text[1:3] in GLUING_WORDS
        aliases[text] = Alias(
            text, candidates, needs_word_boundary=len(text) <= 2 or not full or glued, written_in_full=full
        )
    lengths: dict[str, set[int]] = {}
    for text in aliases:
        lengths.setdefault(text[:2], set()).add(len(text))
    return Gazetteer(
        places=by_code,
        aliases=aliases,
        lengths_by_prefix={c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()},
        successors=successors,
    )


def _successors(gone: dict[str, tuple[str, str | None]], active: dict[str, Place]) -> dict[str, str]:
    """Each gone region → the active region standing for it: its successor's (followed while that has gone
    too), else its nearest active ancestor's by code (县 → 市 → 省); left out when there is none."""
    found = {}
    for code in gone:
        seen, current = set(), code
        while current in gone and current not in seen:
            seen.add(current)
            current = gone[current][1] or _parent_code(current)
        while current and current not in active:
            current = _parent_code(current)
        if current:
            found[code] = current
    return found


def _parent_code(code: str) -> str:
    if len(code) == 9:
        return code[:6]
    if code.endswith("0000"):
        return ""
    return code[:2] + "0000" if code.endswith("00") else code[:4] + "00"


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer of the Region table, built on first use and kept for the process
    (`gazetteer.cache_clear()` after the table changes)."""
    jieba.setLogLevel(logging.WARNING)
    rows = Region.objects.values_list("code", "name", "level", "path", "active", "replaced_by_id")
    places: list[Place] = []
    gone: dict[str, tuple[str, str | None]] = {}
    for code, name, level, path, active, replaced_by in rows.iterator(chunk_size=5000):
        if active:
            places.append(Place(code, name, level, path))
        else:
            gone[code] = (name, replaced_by)
    return build_gazetteer(places, gone)
