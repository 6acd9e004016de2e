"""Region resolution: the most specific region a message means, down to the township, from its text and its
addressee's region.

Method. The text is scanned once, left to right, for the longest alias of the gazetteer starting at
each character (`gazetteer.py`: full names, short forms, old names; a bare stem only where jieba
puts a word boundary on both sides, and not where it begins a longer name: 大庆路, 东光花园, 浏阳河). Each
mention may mean several regions (鼓楼区 is four, 城关镇 eighty-two). Given a hint, a reading outside the
hint's region is dropped unless it is written in full (东光县, not 东光) or a region above it is named
too (沧州东光; a township outside the hint needs this). Every region a mention may mean is then scored
as the deepest point of a chain: its own weight, plus for every other mention the weight of its best
reading that is this region or one of its ancestors (南京市 agrees with 南京市鼓楼区), plus `HINT_WEIGHT`
when the hint is this region or an ancestor. The hint itself is scored the same way (a text naming
only 云南 for a 临沧市 addressee gives 临沧市). The hint weighs less than one clear mention, so a place
written in full outside the hint wins (people write to a province about a county).

When the best scores tie (within `TIE_MARGIN`) between regions that are not on one chain, the answer is
their nearest common ancestor (two 鼓楼区 in 江苏 → 江苏省); when they have none, the region named by an
unambiguous mention, else the hint, else nothing, each with a low confidence. A result resting on less
than `MIN_SCORE` (a common-word stem such as 安康 that nothing confirms; the same word written again
does not) is dropped.

Confidence = the weight of the alias read × (0.5 + 0.5 × the relative margin over the best region off
the chosen chain), × 0.85 when the result lies outside the hint; 0.5 for the hint alone, 0.45 for a
common ancestor, 0.35 / 0.3 for the fallbacks.
"""

from dataclasses import dataclass

import jieba

from liuyan.directory.models import Region
from liuyan.intelligence.gazetteer import COMMON_WORD_STEM, Candidate, Gazetteer, Place, gazetteer

HINT_WEIGHT = 0.8
TIE_MARGIN = 0.1
MIN_SCORE = 0.6
OUTSIDE_HINT_FACTOR = 0.85
HINT_ONLY_CONFIDENCE = 0.5
COMMON_ANCESTOR_CONFIDENCE = 0.45
UNAMBIGUOUS_MENTION_CONFIDENCE = 0.35
HINT_FALLBACK_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Mention:
    """A place name found in the text: where it is and the region codes it may mean."""

    text: str
    start: int
    end: int
    codes: tuple[str, ...]


@dataclass(frozen=True)
class RegionGuess:
    """The region a message most likely means, how sure we are (0–1), and the place names found."""

    code: str
    name: str
    level: str
    path: str
    confidence: float
    mentions: tuple[Mention, ...] = ()

    @property
    def region(self) -> Region:
        return Region.objects.get(pk=self.code)

    @classmethod
    def of(cls, place: Place, confidence: float, mentions: tuple[Mention, ...]) -> "RegionGuess":
        return cls(place.code, place.name, place.level, place.path, round(confidence, 2), mentions)


@dataclass(frozen=True)
class _FoundMention:
    mention: Mention
    candidates: tuple[Candidate, ...]
    written_in_full: bool


# Words that make a bare place name part of the name of something else, often elsewhere (大庆路 in 福州,
# 浦东大道 in 长沙, 东光花园, 浏阳河, 兰州拉面, 青田村, 夷陵长江大桥).
NAMED_AFTER_PLACE = tuple(
    """花园 小区 社区 村 公园 广场 新村 家园 商城 大厦 大酒店
    小吃 拉面 米粉 烧烤 路 街 巷 胡同 大道 大桥 河""".split()  # noqa: SIM905 - a word list reads better as text
)
DIRECTIONS = "东西南北中"


# Characters of context on each side of a name when asking jieba where the words around it end: enough
# for the segmentation to settle, and a long message is not segmented whole for every name it holds.
BOUNDARY_CONTEXT = 16


def _word_boundaries(text: str, start: int = 0, end: int | None = None) -> set[int]:
    """Offsets (in `text`) between jieba's dictionary words (no HMM guessing of new words) within
    text[start:end]; the window's own edges count as boundaries only where the text starts or ends."""
    end = len(text) if end is None else end
    boundaries = {start} if start == 0 else set()
    for _word, _start, word_end in jieba.dt.tokenize(text[start:end], HMM=False):
        if start + word_end < end or end == len(text):
            boundaries.add(start + word_end)
    return boundaries


def _starts_a_name(text: str, at: int, gaz: Gazetteer) -> bool:
    """Whether a name written in full, or a province's short form, begins at `at` (湖北河南: 湖北 is not
    part of a river's name)."""
    for length in gaz.lengths_by_prefix.get(text[at : at + 2], ()):
        alias = gaz.aliases.get(text[at : at + length])
        if alias and (alias.written_in_full or any(c.code.endswith("0000") for c in alias.candidates)):
            return True
    return False


def _names_something_else(text: str, end: int, gaz: Gazetteer) -> bool:
    """Whether the bare place name ending at `end` begins the name of a road, an estate, a river … (大庆路,
    西藏中路, 东光花园, 浏阳河)."""
    rest = text[end : end + 4].removeprefix("长江")
    if rest[:1] in DIRECTIONS and rest[1:].startswith(("路", "街", "大道", "大街")):
        return True
    return rest.startswith(NAMED_AFTER_PLACE) and not _starts_a_name(text, end, gaz)


def _find_mentions(text: str, gaz: Gazetteer) -> list[_FoundMention]:
    found = []
    i, n = 0, len(text)
    while i < n:
        step = 1
        for length in gaz.lengths_by_prefix.get(text[i : i + 2], ()):
            if i + length > n:
                continue
            alias = gaz.aliases.get(text[i : i + length])
            if alias is None:
                continue
            if text[i + length - 1 : i + length + 1] in ("市场", "市集", "区域", "乡镇"):
                continue  # 中山市场 is a market, 城北区域 an area, 郊区乡镇 the townships of one
            if (not alias.written_in_full or length <= 2) and _names_something_else(text, i + length, gaz):
                continue  # 大庆路, 沙县小吃
            if alias.needs_word_boundary:
                window = max(0, i - BOUNDARY_CONTEXT), min(n, i + length + BOUNDARY_CONTEXT)
                boundaries = _word_boundaries(text, *window)
                if i not in boundaries or i + length not in boundaries:
                    continue
            mention = Mention(alias.text, i, i + length, tuple(c.code for c in alias.candidates))
            found.append(_FoundMention(mention, alias.candidates, alias.written_in_full))
            step = length
            break
        i += step
    return found


def find_mentions(text: str) -> list[Mention]:
    """The place names in `text`, in order, each with the region codes it may mean."""
    return [found.mention for found in _find_mentions(text or "", gazetteer())]


def _common_word(mention: _FoundMention) -> bool:
    """Whether every reading of the mention is a common-word stem (延长, 安康, 新建)."""
    return all(candidate.weight <= COMMON_WORD_STEM for candidate in mention.candidates)


def _counted(found: list[_FoundMention]) -> list[_FoundMention]:
    """The mentions that count as evidence: a common word written again is not a second piece of evidence
    (延长 in 建议延长… and in 延长到六点), a place name written again still is."""
    seen: set[str] = set()
    counted = []
    for mention in found:
        if _common_word(mention):
            if mention.mention.text in seen:
                continue
            seen.add(mention.mention.text)
        counted.append(mention)
    return counted


def _agreement(mention: _FoundMention, path: str) -> float:
    """The weight of the mention's best reading that is this region or one of its ancestors."""
    return max((c.weight for c in mention.candidates if path.startswith(c.path)), default=0.0)


def _parent_named(mention: _FoundMention, path: str) -> bool:
    """Whether the mention may mean a region strictly above the one at `path`."""
    return any(path.startswith(c.path) and path != c.path for c in mention.candidates)


def _common_ancestor(codes: list[str], places: dict[str, Place]) -> Place | None:
    split = [places[code].path.strip("/").split("/") for code in codes]
    common = None
    for level in zip(*split, strict=False):
        if len(set(level)) != 1:
            break
        common = level[0]
    return places[common] if common else None


def _on_one_chain(path: str, other: str) -> bool:
    return path.startswith(other) or other.startswith(path)


def _as_place(hint: Region | str | None, gaz: Gazetteer) -> Place | None:
    if hint is None or hint == "":
        return None
    code = hint.code if isinstance(hint, Region) else str(hint).strip()
    place = gaz.place(code) or gaz.place_by_name(code)
    if place is None:
        raise ValueError(f"unknown region hint {hint!r}: give a region, its code or its unique full name")
    return place


def resolve_region(text: str, hint: Region | str | None = None) -> RegionGuess | None:
    """The most specific region `text` means, given the addressee's region `hint` (a Region, a code or a
    unique full name). With no place in the text, the hint with a moderate confidence; None when there is
    neither. See the module docstring for the method."""
    gaz = gazetteer()
    places = gaz.places
    hint_place = _as_place(hint, gaz)
    found = _find_mentions(text or "", gaz)
    mentions = tuple(f.mention for f in found)
    if not found:
        return RegionGuess.of(hint_place, HINT_ONLY_CONFIDENCE, ()) if hint_place else None

    # code → (score, weight of the alias reading that anchors it, the region's path)
    scores: dict[str, tuple[float, float, str]] = {}
    counted = _counted(found)
    for mention in found:
        again = mention.mention.text if _common_word(mention) else None  # its repeats confirm nothing
        others = [other for other in counted if other is not mention and other.mention.text != again]
        for candidate in mention.candidates:
            if (
                hint_place
                and not _on_one_chain(candidate.path, hint_place.path)
                and (not mention.written_in_full or len(candidate.code) == 9)
                and not any(
                    _parent_named(other, candidate.path)
                    for other in others
                    if other.mention.text != mention.mention.text
                )
            ):
                # 东光 in a letter to 福州 is not 东光县 unless written so or with 沧州; a township, of which
                # names repeat and old ones linger (洞井乡), needs a place above it named.
                continue
            score = candidate.weight + sum(_agreement(other, candidate.path) for other in others)
            if hint_place and candidate.path.startswith(hint_place.path):
                score += HINT_WEIGHT
            if score > scores.get(candidate.code, (0.0,))[0]:
                scores[candidate.code] = (score, candidate.weight, candidate.path)
    if hint_place:
        score = HINT_WEIGHT + sum(_agreement(m, hint_place.path) for m in counted)
        if score > scores.get(hint_place.code, (0.0,))[0]:
            scores[hint_place.code] = (score, 1.0, hint_place.path)
    if not scores:
        return RegionGuess.of(hint_place, HINT_ONLY_CONFIDENCE, mentions) if hint_place else None

    best = max(score for score, *_rest in scores.values())
    if best < MIN_SCORE:
        return RegionGuess.of(hint_place, HINT_ONLY_CONFIDENCE, mentions) if hint_place else None
    tied = [code for code, (score, *_rest) in scores.items() if score >= best - TIE_MARGIN]
    if len(tied) > 1:
        if len(tied) == 2 and hint_place and hint_place.code in tied:
            # The hint and a region on its chain, or the hint and one clear place elsewhere: the place.
            other = next(code for code in tied if code != hint_place.code)
            if scores[other][0] >= scores[hint_place.code][0]:
                tied = [other]
        ancestor = _common_ancestor(tied, places)
        if len(tied) > 1 and ancestor is not None:
            return RegionGuess.of(ancestor, COMMON_ANCESTOR_CONFIDENCE, mentions)
        if len(tied) > 1:
            return _fallback(found, tied, hint_place, places, mentions)

    code = tied[0]
    score, weight, path = scores[code]
    place = places[code]
    runner_up = max(
        (s for other, (s, *_rest) in scores.items() if not _on_one_chain(places[other].path, path)),
        default=0.0,
    )
    confidence = weight * (0.5 + 0.5 * (score - runner_up) / score)
    if hint_place and not _on_one_chain(hint_place.path, path):
        confidence *= OUTSIDE_HINT_FACTOR
    return RegionGuess.of(place, confidence, mentions)


def _fallback(
    found: list[_FoundMention],
    tied: list[str],
    hint_place: Place | None,
    places: dict[str, Place],
    mentions: tuple[Mention, ...],
) -> RegionGuess | None:
    """Tied readings with no common ancestor: the places named unambiguously among them, else the hint."""
    unambiguous = [
        code for code in tied if any(len(f.candidates) == 1 and f.candidates[0].code == code for f in found)
    ]
    if unambiguous and (ancestor := _common_ancestor(unambiguous, places)):
        return RegionGuess.of(ancestor, UNAMBIGUOUS_MENTION_CONFIDENCE, mentions)
    if hint_place:
        return RegionGuess.of(hint_place, HINT_FALLBACK_CONFIDENCE, mentions)
    return None
