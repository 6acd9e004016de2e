"""Routing suggestions: region + domain (+ keywords) → the routing catalogue (派单目录) → ranked units.

A catalogue line names a unit, or a kind of department "of the message's own region" (本级教育局). The
confidence of a unit reads as the probability that it is the one to handle the message:

- a domain line gives its unit the probability of the line's domain (from the classifier, or the domain the
  citizen chose), shared among the departments of that domain by their lines' weights (城建 is 住建, 城管
  and 自然资源's: a third each; a department's second domain weighs less than its first; a region's own
  line outweighs the national one);
- a keyword line whose words are in the text gives its unit the keywords' strength, times how plausible
  that department is for the message: the probability of the domains it serves, with a floor so that a
  keyword can still reach past a misread domain, and a middle value where the domain model cannot name one
  of them (公安局's 治安, 自然资源局's 三农) or the department serves none (本级政府). A word such as 学校 in
  a parking complaint the domain classifier reads as 交通 then counts half, below the domain's own
  departments. A keyword in the title (the first line of a text with several) counts more than in the body;
- lines agreeing on a unit combine as independent evidence (1 − Π(1 − p));
- the unit-kind model (`classifier` kind "unit", trained on messages labelled with the kind of department
  that should handle them, tests/intelligence/labels/routing.csv) gives each kind of unit a probability
  from the message's words; a unit's confidence is the blend (1 − LEARNT_WEIGHT) · catalogue +
  LEARNT_WEIGHT · model, and the reason names the words that weighed most for its kind;
- all of it times the confidence of the region.

The text is read with personal data masked (`masking.mask_personal_data`): a keyword inside a citizen's ID
or bank details is no evidence. Suggestions under MIN_CONFIDENCE are not offered, at most `limit` are,
best first, and never a unit the caller excludes (one that returned the message).
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from liuyan.directory.models import Domain, RoutingRule, Unit
from liuyan.intelligence.masking import mask_personal_data
from liuyan.intelligence.regions import resolve_region

# No suggestion under this confidence is offered: it would be noise beside the good ones.
MIN_CONFIDENCE = 0.10
# The line without domain or keywords (本级政府) is offered only when no other unit reaches MIN_CONFIDENCE,
# and never as a confident suggestion.
FALLBACK_CONFIDENCE = 0.2
# How much a keyword's department is believed when the domains it serves look unlikely: a keyword may reach
# past a misread domain, but an incidental word must not outrank the domain's own department.
KEYWORD_FLOOR = 0.5
# How plausible a keyword's department is when the domain model cannot name a domain it serves (a model
# trained without 三农 or 治安 says nothing for or against 农业农村局 or 公安局), or it serves none.
UNJUDGED_PLAUSIBILITY = 0.5
# A domain the classifier gives less than this is no evidence for a unit (it would read "（0%）").
MIN_DOMAIN_PROBABILITY = 0.01
# A keyword in a message's title (the first line of a text with several) says more than one in its body.
TITLE_BONUS = 0.1
# A region's own line outweighs a national line of the same weight.
REGIONAL_WEIGHT = 1.2
# Words that put a matter in a village or a community (芒卡村, 楚莲社区, 村民): the government of the township
# or street office it belongs to handles it where it is (属地), before the county's departments.
VILLAGE_WORDS = ("村", "社区", "居委会")
TOWNSHIP_GOVERNMENT_CONFIDENCE = 0.85
# The unit-kind model's share of a unit's confidence, the catalogue's lines having the rest: chosen by 5-fold
# cross-validation of the routing on the labelled messages outside the held-out fifth
# (`bench/routing.py --cv`; bench/RESULTS.md, "Routing with a learnt unit-kind model").
LEARNT_WEIGHT = 0.4
# A kind the model gives less than this is no evidence for a unit (its share would read "（0%）"); the
# words behind it are named from LEARNT_WORDS_FROM (below, they are not why the unit is offered).
MIN_LEARNT_PROBABILITY = 0.01
LEARNT_WORDS_FROM = 0.2


@dataclass
class UnitSuggestion:
    """A unit the message could be assigned to, with why."""

    unit: Unit
    confidence: float
    reasons: list[str] = field(default_factory=list)
    weight: int = 0  # the heaviest line behind it: between equal confidences, the heavier first

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


@dataclass
class LearntKinds:
    """The unit-kind model's answer for one message: the probability of each kind of unit (a department key
    of the catalogue, or `government`), and the words of the message that weighed most for a kind."""

    probabilities: dict[str, float]
    words: Callable[[str], list[str]]


def _keyword_strength(rule: RoutingRule, text: str) -> tuple[float, list[str], list[str]]:
    """How strongly the line's keywords point to its unit, the words found and those of them in the title
    (the first line of a text with several)."""
    hits = [word for word in rule.keyword_list if word in text]
    if not hits:
        return 0.0, [], []
    title, _newline, body = text.partition("\n")
    in_title = [word for word in hits if word in title] if body else []
    return min(0.9, 0.6 + 0.1 * len(hits) + TITLE_BONUS * len(in_title)), hits, in_title


def _words(hits: list[str], in_title: list[str]) -> str:
    """关键词“贪腐、挪用公款”, and which of them the title holds: 关键词“贪腐、挪用公款”（标题有“贪腐”）."""
    words = f"关键词“{'、'.join(hits)}”"
    return words + (f"（标题有“{'、'.join(in_title)}”）" if in_title else "")


def _target_key(rule: RoutingRule) -> tuple[str, object]:
    return ("unit", rule.unit_id) if rule.unit_id else ("department", rule.department)


def _weight(rule: RoutingRule) -> float:
    return rule.weight * (REGIONAL_WEIGHT if rule.region_id else 1)


def active_rules() -> list[RoutingRule]:
    """The whole active catalogue, for analysing many texts with one query."""
    return list(RoutingRule.objects.filter(active=True).select_related("domain", "unit", "region"))


def _evidence(
    rules: list[RoutingRule],
    domains: Sequence[tuple[Domain, float]],
    text: str,
    judged: Collection[int] | None,
) -> list[tuple[RoutingRule, float, str]]:
    """(line, probability it gives its unit, why in words) for each line that applies to the text."""
    probabilities = {domain.pk: p for domain, p in domains}
    names = {domain.pk: domain.name for domain, _p in domains}
    shares: dict[int, float] = {}  # the total weight of each domain's lines
    served: dict[tuple[str, object], set[int]] = {}
    for rule in rules:
        if rule.domain_id is not None and not rule.keywords:
            shares[rule.domain_id] = shares.get(rule.domain_id, 0.0) + _weight(rule)
            served.setdefault(_target_key(rule), set()).add(rule.domain_id)
    found = []
    for rule in rules:
        # A national line needs no note; a region's own line says whose it is.
        where = f"（{rule.region.name}规则）" if rule.region_id else ""
        strength, hits, in_title = _keyword_strength(rule, text) if rule.keywords else (1.0, [], [])
        if rule.keywords and not hits:
            continue
        if rule.domain_id is not None:
            p = probabilities.get(rule.domain_id, 0.0)
            if p < MIN_DOMAIN_PROBABILITY:
                continue
            why = f"领域“{names[rule.domain_id]}”（{p:.0%}）"
            if hits:
                why += "，" + _words(hits, in_title)
                p *= strength
            else:
                p *= _weight(rule) / shares[rule.domain_id]
            found.append((rule, p, why + where))
        elif hits:
            serves = served.get(_target_key(rule), set())
            plausible = sum(probabilities.get(pk, 0.0) for pk in serves)
            if not domains:  # no model trained, no domain chosen: the keyword stands alone
                plausible = 1.0
            elif judged is not None and (not serves or not serves <= set(judged)):
                plausible = max(plausible, UNJUDGED_PLAUSIBILITY)
            p = strength * min(1.0, rule.weight / 100) * (KEYWORD_FLOOR + (1 - KEYWORD_FLOOR) * plausible)
            found.append((rule, p, _words(hits, in_title) + where))
        else:
            found.append((rule, FALLBACK_CONFIDENCE, "没有领域或关键词指向其他单位，由本级政府办理" + where))
    # Reasons read the domain first, then the words.
    return sorted(found, key=lambda item: item[0].domain_id is None)


def suggest_units(
    region,
    domains: Sequence[tuple[Domain, float]],
    text: str = "",
    *,
    region_confidence: float = 1.0,
    limit: int = 3,
    rules: list[RoutingRule] | None = None,
    unit_cache: dict[str, Unit | None] | None = None,
    excluded: Collection[int] = (),
    judged: Collection[int] | None = None,
    learnt: LearntKinds | None = None,
) -> list[UnitSuggestion]:
    """At most `limit` units for a message about `region` (a Region, or anything with its `path`) whose
    domain is one of `domains` (level-1 domains with their probabilities), best first, none under
    MIN_CONFIDENCE and none whose id is in `excluded`; `judged`: the ids of the domains the domain model
    can name (None: all of them); `learnt`: the unit-kind model's answer for the text (None: no model,
    the catalogue alone); departments are looked for in the region and then
    up its tree (a county without a 金融 bureau → the city's). `rules` (the catalogue from `active_rules()`)
    and `unit_cache` (a dict kept across calls) save queries when the caller analyses many texts."""
    chain = region_chain(region)
    if rules is None:
        rules = list(
            RoutingRule.objects.filter(active=True)
            .filter(Q(region=None) | Q(region__in=chain))
            .select_related("domain", "unit", "region")
        )
    else:
        rules = [rule for rule in rules if rule.region_id is None or rule.region_id in chain]
    masked = mask_personal_data(text)
    found = _evidence(rules, domains, masked, judged)
    units = _targets([rule for rule, *_ in found], chain, unit_cache, excluded)
    suggestions: dict[int, UnitSuggestion] = {}
    fallbacks: dict[int, UnitSuggestion] = {}
    for rule, p, why in found:
        unit = units.get(rule.pk)
        if unit is None:
            continue
        fallback = not rule.keywords and rule.domain_id is None
        into = fallbacks if fallback else suggestions
        current = into.get(unit.pk)
        if current is None:
            into[unit.pk] = UnitSuggestion(unit, p, [why], rule.weight)
        else:
            current.confidence = 1 - (1 - current.confidence) * (1 - p)
            current.reasons.append(why)
            current.weight = max(current.weight, rule.weight)
    learnt_kinds = _blend_learnt(suggestions, learnt, chain, unit_cache, excluded) if learnt else {}
    for suggestion in suggestions.values():
        suggestion.confidence *= region_confidence
    if (township := _township_government(region, masked, unit_cache)) and township[0].pk not in excluded:
        unit, p = township
        current = suggestions.setdefault(unit.pk, UnitSuggestion(unit, 0.0, [], 100))
        current.confidence = 1 - (1 - current.confidence) * (1 - p * region_confidence)
        current.reasons.append(f"地点在{unit.region.name}辖区的村或社区，属地办理")
    offered = [s for s in suggestions.values() if s.confidence >= MIN_CONFIDENCE]
    if not offered:
        offered = list(fallbacks.values())
        for suggestion in offered:
            suggestion.confidence *= region_confidence
    # Sorted as shown: by the confidence a person reads (to the percent), then the heavier line.
    offered.sort(key=lambda s: (-round(s.confidence, 2), -s.weight, s.unit.pk))
    offered = offered[:limit]
    for suggestion in offered:  # the words behind the model's part, for the units shown only
        spoken = learnt_kinds.get(suggestion.unit.pk)
        if spoken and learnt is not None and suggestion is suggestions.get(suggestion.unit.pk):
            kind, p = spoken
            words = learnt.words(kind) if p >= LEARNT_WORDS_FROM else []
            named = f"，主要依据“{'、'.join(words)}”" if words else ""
            suggestion.reasons.append(f"按用词判断（{p:.0%}{named}）")
    return offered


def _blend_learnt(
    suggestions: dict[int, UnitSuggestion],
    learnt: LearntKinds,
    chain: list[str],
    known: dict[str, Unit | None] | None,
    excluded: Collection[int],
) -> dict[int, tuple[str, float]]:
    """Each unit's confidence becomes (1 − LEARNT_WEIGHT) · the catalogue's + LEARNT_WEIGHT · the model's
    probability of its kind (for the nearest unit of that kind up the region's tree, as a department line
    finds it); units only the model names are added. Returns the kind and probability behind each unit the
    model spoke for, by unit id, for the reasons."""
    units = known if known is not None else {}
    likely = {kind: p for kind, p in learnt.probabilities.items() if p >= MIN_LEARNT_PROBABILITY}
    _read_units({f"{code}-{kind}" for kind in likely for code in chain}, units)
    by_unit: dict[int, tuple[str, float]] = {}
    for suggestion in suggestions.values():
        suggestion.confidence *= 1 - LEARNT_WEIGHT
    for kind, p in likely.items():
        unit = next(
            (
                found
                for code in reversed(chain)
                if (found := units.get(f"{code}-{kind}")) is not None and found.pk not in excluded
            ),
            None,
        )
        if unit is None or unit.pk in by_unit:
            continue
        by_unit[unit.pk] = (kind, p)
        suggestion = suggestions.setdefault(unit.pk, UnitSuggestion(unit, 0.0, [], 0))
        suggestion.confidence += LEARNT_WEIGHT * p
    return by_unit


def _township_government(
    region, text: str, known: dict[str, Unit | None] | None
) -> tuple[Unit, float] | None:
    """The government of the township or street office a message about a village or community is in, with
    how sure the place is: the message's region when it is a township, else the township of it that the
    text names (a county's message about 孟定镇芒卡村). None when the text names no village or community."""
    if region is None or not any(word in text for word in VILLAGE_WORDS):
        return None
    code, sure = region.code, 1.0
    if len(code) != 9:
        guess = resolve_region(text, code)
        if guess is None or len(guess.code) != 9 or not guess.path.startswith(region.path):
            return None
        code, sure = guess.code, guess.confidence
    units = known if known is not None else {}
    _read_units({f"{code}-government"}, units)
    unit = units[f"{code}-government"]
    return (unit, TOWNSHIP_GOVERNMENT_CONFIDENCE * sure) if unit else None


def unit_kind(code: str) -> str:
    """The kind of a unit by its code: the department key of a catalogue unit ("430121-education" →
    "education"; "430121-government", a county's government, → "government"), what the unit-kind model
    labels."""
    return code.partition("-")[2] or code


def region_chain(region) -> list[str]:
    """The codes of `region` and the places above it, province first (what `suggest_units` looks up in)."""
    return [code for code in region.path.split("/") if code] if region else []


def preload_units(rules: list[RoutingRule], regions, known: dict[str, Unit | None]) -> None:
    """Read into `known` (the `unit_cache` of `suggest_units`) every unit the `rules` may point to for a
    message about any of `regions`: one query for a page of messages instead of one per place."""
    codes = {
        f"{code}-{rule.department}"
        for rule in rules
        if rule.department
        for r in regions
        for code in region_chain(r)
    }
    _read_units(codes, known)


def _read_units(codes: set[str], known: dict[str, Unit | None]) -> None:
    missing = codes - known.keys()
    if missing:
        found = {
            unit.code: unit
            for unit in Unit.objects.filter(code__in=missing, active=True).select_related("region")
        }
        known.update({code: found.get(code) for code in missing})


def _targets(
    rules: list[RoutingRule],
    chain: list[str],
    known: dict[str, Unit | None] | None = None,
    excluded: Collection[int] = (),
) -> dict[int, Unit]:
    """The unit each rule points to for a message in the region whose codes (province first) are
    `chain`: one query for all of them, or none for the units already in `known` (a cache by unit code
    that a caller analysing many texts passes along). A department in `excluded` is passed over for the
    same department higher up (the county's bureau returned it: the city's)."""
    codes = {f"{code}-{rule.department}" for rule in rules if rule.department for code in chain}
    by_code = known if known is not None else {}
    _read_units(codes, by_code)
    targets = {}
    for rule in rules:
        if rule.unit_id:
            if rule.unit.active and rule.unit_id not in excluded:
                targets[rule.pk] = rule.unit
            continue
        for code in reversed(chain):
            unit = by_code.get(f"{code}-{rule.department}")
            if unit is not None and unit.pk not in excluded:
                targets[rule.pk] = unit
                break
    return targets
