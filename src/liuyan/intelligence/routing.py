"""Routing suggestions: region + domain (+ keywords) → the routing catalogue (派单目录) → ranked units.

A catalogue line names a unit, or a kind of department "of the message's own region" (本级教育局). Each
line that applies gives its unit a score: the probability of the line's domain (from the classifier, or 1
when the citizen chose the domain), times how strongly its keywords hit, times the line's weight, times
the confidence of the region. `confidence` is the same product without the weight, so a desk's
auto-assignment threshold reads as a probability.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from liuyan.directory.models import Domain, RoutingRule, Unit

# A line without domain or keywords is a fallback: it must never look like a confident suggestion.
FALLBACK_CONFIDENCE = 0.2
# A domain the classifier gives less than this is no evidence for a unit (it would read "（0%）").
MIN_DOMAIN_PROBABILITY = 0.01


@dataclass
class UnitSuggestion:
    """A unit the message could be assigned to, with why."""

    unit: Unit
    score: float
    confidence: float
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


def _keyword_strength(rule: RoutingRule, text: str) -> tuple[float, list[str]]:
    hits = [word for word in rule.keyword_list if word in text]
    if not hits:
        return 0.0, []
    return min(0.9, 0.6 + 0.1 * len(hits)), hits


def _domain_probability(rule: RoutingRule, domains: dict[int, float]) -> float:
    return domains.get(rule.domain_id, 0.0)


def active_rules() -> list[RoutingRule]:
    """The whole active catalogue, for analysing many texts with one query."""
    return list(RoutingRule.objects.filter(active=True).select_related("domain", "unit", "region"))


def suggest_units(
    region,
    domains: Sequence[tuple[Domain, float]],
    text: str = "",
    *,
    region_confidence: float = 1.0,
    limit: int = 3,
    rules: list[RoutingRule] | None = None,
    unit_cache: dict[str, Unit | None] | None = None,
) -> list[UnitSuggestion]:
    """The best `limit` units for a message about `region` (a Region, or anything with its `path`) whose
    domain is one of `domains` (level-1 domains with their probabilities), best first; departments are
    looked for in the region and then up its tree (a county without a 金融 bureau → the city's).
    `rules` (the catalogue from `active_rules()`) and `unit_cache` (a dict kept across calls) save
    queries when the caller analyses many texts."""
    chain = [code for code in region.path.split("/") if code] if region else []
    if rules is None:
        rules = list(
            RoutingRule.objects.filter(active=True)
            .filter(Q(region=None) | Q(region__in=chain))
            .select_related("domain", "unit", "region")
        )
    else:
        rules = [rule for rule in rules if rule.region_id is None or rule.region_id in chain]
    probabilities = {domain.pk: p for domain, p in domains}
    domain_names = {domain.pk: domain.name for domain, _p in domains}

    wanted: list[tuple[RoutingRule, float, float, str]] = []
    for rule in rules:
        strength, hits = _keyword_strength(rule, text) if rule.keywords else (1.0, [])
        if rule.keywords and not hits:
            continue
        if rule.domain_id is not None:
            p = _domain_probability(rule, probabilities)
            if p < MIN_DOMAIN_PROBABILITY:
                continue
            why = f"领域「{domain_names[rule.domain_id]}」（{p:.0%}）"
        elif hits:
            p, why = 1.0, f"关键词「{'、'.join(hits)}」"
        else:
            p, why = FALLBACK_CONFIDENCE, "其他规则未适用时由本级政府办理"
        confidence = p * strength * region_confidence
        # A national line needs no note; a region's own line says whose it is.
        where = f"（{rule.region.name}规则）" if rule.region_id else ""
        wanted.append(
            (
                rule,
                confidence,
                confidence * rule.weight / 100 * (1.2 if rule.region_id else 1),
                why + where,
            )
        )

    units = _targets([rule for rule, *_ in wanted], chain, unit_cache)
    suggestions: dict[int, UnitSuggestion] = {}
    for rule, confidence, score, why in wanted:
        unit = units.get(rule.pk)
        if unit is None:
            continue
        current = suggestions.get(unit.pk)
        if current is None:
            suggestions[unit.pk] = UnitSuggestion(unit, score, confidence, [why])
        else:
            # Two lines agreeing on a unit reinforce each other, as independent evidence would.
            current.confidence = 1 - (1 - current.confidence) * (1 - confidence)
            current.score = max(current.score, score) + min(current.score, score) / 2
            current.reasons.append(why)
    ranked = sorted(suggestions.values(), key=lambda s: (-s.score, s.unit.pk))
    return ranked[:limit]


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
    rules: list[RoutingRule], chain: list[str], known: dict[str, Unit | None] | None = None
) -> dict[int, Unit]:
    """The unit each rule points to for a message in the region whose codes (province first) are
    `chain`: one query for all of them, or none for the units already in `known` (a cache by unit code
    that a caller analysing many texts passes along)."""
    codes = {f"{code}-{rule.department}" for rule in rules if rule.department for code in chain}
    by_code = known if known is not None else {}
    _read_units(codes, by_code)
    targets = {}
    for rule in rules:
        if rule.unit_id:
            if rule.unit.active:
                targets[rule.pk] = rule.unit
            continue
        for code in reversed(chain):
            if (unit := by_code.get(f"{code}-{rule.department}")) is not None:
                targets[rule.pk] = unit
                break
    return targets
