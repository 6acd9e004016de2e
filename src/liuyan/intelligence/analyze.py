"""Understanding a message in one call: where it is about, its domain and type, who should handle it and
which earlier messages resemble it. Used by `liuyan analyze`, `POST /api/v1/analyze`, the post form and
auto-assignment. Every step reads the text with personal data left out (`masking.drop_personal_data`)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

from liuyan.board.actions import dispatch
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from liuyan.directory import lookups
from liuyan.directory.catalogue import DOMAIN_ALIASES
from liuyan.directory.models import AutoAssignPolicy, Domain, Region
from liuyan.intelligence.classifier import Prediction, TextClassifier, load_classifier
from liuyan.intelligence.masking import drop_personal_data
from liuyan.intelligence.regions import RegionGuess, resolve_region
from liuyan.intelligence.routing import LearntKinds, UnitSuggestion, active_rules, suggest_units
from liuyan.intelligence.similarity import similar_to_texts


@dataclass
class Analysis:
    """What the platform makes of a text."""

    region: RegionGuess | None = None
    region_confidence: float = 0.0
    domain: Prediction | None = None
    message_type: Prediction | None = None
    units: list[UnitSuggestion] = field(default_factory=list)
    similar: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "region": None
            if self.region is None
            else {
                "code": self.region.code,
                "name": self.region.name,
                "path": self.region.path,
                "confidence": round(self.region_confidence, 3),
            },
            "domain": _prediction(self.domain),
            "type": _prediction(self.message_type),
            "units": [
                {"id": s.unit.pk, "name": s.unit.name, "score": round(s.confidence, 3), "reason": s.reason}
                for s in self.units
            ],
            "similar": [
                {"id": hit.message.pk, "title": hit.message.title, "score": round(hit.score, 3)}
                for hit in self.similar
            ],
        }


def _prediction(prediction: Prediction | None) -> dict | None:
    if prediction is None:
        return None
    return {
        "label": prediction.label,
        "confidence": round(prediction.confidence, 3),
        "top3": [{"label": label, "confidence": round(p, 3)} for label, p in prediction.top3],
    }


def level_one_domains(
    prediction: Prediction | None, by_name: dict[str, Domain] | None = None
) -> list[tuple[Domain, float]]:
    """The classifier's labels as level-1 domains of this deployment: by name, or by a known other name
    (a model trained on the Teddy Cup data says 交通运输 for 交通); labels matching no domain are dropped,
    and two labels naming the same domain add up. `by_name`: the level-1 domains, when already loaded."""
    if prediction is None:
        return []
    names = {label: label for label, _p in prediction.top3}
    names.update({label: DOMAIN_ALIASES[label] for label in names if label in DOMAIN_ALIASES})
    if by_name is None:
        by_name = {
            d.name: d for d in Domain.objects.filter(parent=None, name__in=set(names) | set(names.values()))
        }
    merged: dict[int, list] = {}
    for label, p in prediction.top3:
        domain = by_name.get(label) or by_name.get(names[label])
        if domain is not None:
            merged.setdefault(domain.pk, [domain, 0.0])[1] += p
    return sorted(((domain, p) for domain, p in merged.values()), key=lambda pair: -pair[1])


def judged_domains(by_name: dict[str, Domain] | None = None) -> set[int] | None:
    """The ids of the level-1 domains the trained domain model can name (by name or a known other name),
    None without a model: routing weighs a keyword's department by the model's opinion only where it has
    one. `by_name`: the level-1 domains, when already loaded."""
    classifier = load_classifier("domain")
    if classifier is None:
        return None
    if by_name is None:
        by_name = {domain.name: domain for domain in Domain.objects.filter(parent=None)}
    names = set(classifier.labels) | {
        DOMAIN_ALIASES[label] for label in classifier.labels if label in DOMAIN_ALIASES
    }
    return {by_name[name].pk for name in names if name in by_name}


def analyze_text(
    text: str,
    *,
    region_hint: Region | str | None = None,
    similar_scope=None,
    with_similar: bool = True,
) -> Analysis:
    """Analyse a free text, with the addressee's region as a hint."""
    return analyze_texts([(text, region_hint)], similar_scope=similar_scope, with_similar=with_similar)[0]


def analyze_texts(
    items: Sequence[tuple[str, Region | str | None]],
    *,
    similar_scope=None,
    with_similar: bool = True,
) -> list[Analysis]:
    """Analyse many (text, region hint) pairs at once: the classifiers see them in one batch, the similar
    messages of all are found in a few queries, and the routing catalogue and the domains are read once."""
    texts = [drop_personal_data(text) for text, _hint in items]
    domains = _predict_all("domain", texts)
    kinds = _predict_all("type", texts)
    learnt = learnt_unit_kinds(texts)
    rules = active_rules()
    by_name = {domain.name: domain for domain in Domain.objects.filter(parent=None)}
    judged = judged_domains(by_name)
    units: dict = {}
    similar = [[] for _text in texts]
    if with_similar:
        similar = similar_to_texts(texts, queryset=similar_scope)
    results = []
    for text, (_text, hint), domain, kind, hits, unit_kinds in zip(
        texts, items, domains, kinds, similar, learnt, strict=True
    ):
        analysis = Analysis(domain=domain, message_type=kind)
        guess = resolve_region(text, hint)
        if guess is not None:
            # The guess carries the region's code, name and path: enough to route and to report.
            analysis.region, analysis.region_confidence = guess, guess.confidence
        analysis.units = suggest_units(
            analysis.region,
            level_one_domains(domain, by_name),
            text,
            region_confidence=analysis.region_confidence or 0.0,
            rules=rules,
            unit_cache=units,
            judged=judged,
            learnt=unit_kinds,
        )
        analysis.similar = hits
        results.append(analysis)
    return results


def _predict_all(kind: str, texts: list[str]) -> list[Prediction | None]:
    classifier = load_classifier(kind)
    return [None] * len(texts) if classifier is None else classifier.predict(texts)


# What a process's first analysis builds, for `warm_up` to build instead: a place, a matter, a unit.
_WARM_UP_TEXT = "县城人民路的路灯坏了一个月，晚上出行不安全，请尽快维修。"


def warm_up() -> None:
    """Analyse a sample text once, so that what a process builds on its first analysis — the gazetteer of
    the Region table, jieba's dictionary, the text models — is built before a citizen's text waits for it
    (2–3 s on the demo's database; a few ms once built). The web server calls it as a worker starts."""
    analyze_text(_WARM_UP_TEXT, with_similar=False)


def learnt_unit_kinds(texts: Sequence[str], model: TextClassifier | None = None) -> list[LearntKinds | None]:
    """The unit-kind model's answer for each of `texts` (personal data dropped), in one batch: `model`, or
    the current one; None for each when no model is trained or it cannot be used."""
    model = model or load_classifier("unit")
    if model is None or not texts:
        return [None] * len(texts)
    return [
        LearntKinds(dict(zip(model.labels, map(float, row), strict=True)), partial(model.weighed_words, text))
        for text, row in zip(texts, model.predict_proba(texts), strict=True)
    ]


def _predict(kind: str, text: str) -> Prediction | None:
    classifier = load_classifier(kind)
    return None if classifier is None else classifier.predict([text])[0]


# How far a domain the citizen chose is trusted: alone, and beside the classifier's opinion (an equal mix:
# agreeing, the two make a confident suggestion; disagreeing, neither carries it past a desk's threshold).
CHOSEN_DOMAIN_ALONE = 0.75
CHOSEN_DOMAIN_WEIGHT = 0.5


def message_domains(message: Message, text: str) -> list[tuple[Domain, float]]:
    """The level-1 domains a message on the board may belong to, with probabilities: the one its author
    chose, weighed with the classifier's guess when a model is trained."""
    return _with_chosen_domain(message, level_one_domains(_predict("domain", drop_personal_data(text))))


def messages_domains(messages: Sequence[Message]) -> list[list[tuple[Domain, float]]]:
    """`message_domains` of each of `messages` (their title and body), with the classifier run once over
    all of them and the level-1 domains read once: a page of rows costs what one row does."""
    texts = [drop_personal_data(f"{message.title}\n{message.body}") for message in messages]
    by_name = {domain.name: domain for domain in lookups.active_domains() if domain.parent_id is None}
    return [
        _with_chosen_domain(message, level_one_domains(prediction, by_name))
        for message, prediction in zip(messages, _predict_all("domain", texts), strict=True)
    ]


def _with_chosen_domain(message: Message, guessed: list[tuple[Domain, float]]) -> list[tuple[Domain, float]]:
    if not message.domain_id:
        return guessed
    chosen = message.domain
    while chosen.parent_id:
        chosen = chosen.parent
    if not guessed:
        return [(chosen, CHOSEN_DOMAIN_ALONE)]
    mixed = {domain.pk: [domain, (1 - CHOSEN_DOMAIN_WEIGHT) * p] for domain, p in guessed}
    mixed.setdefault(chosen.pk, [chosen, 0.0])[1] += CHOSEN_DOMAIN_WEIGHT
    return sorted(((domain, p) for domain, p in mixed.values()), key=lambda pair: -pair[1])


def returned_units(message_ids: Iterable[int]) -> dict[int, set[int]]:
    """The units that returned (退回) each of the messages, for those returned at all (one query)."""
    returns = Event.objects.filter(
        message_id__in=list(message_ids), kind=EventKind.RETURNED, unit__isnull=False
    ).values_list("message_id", "unit_id")
    found: dict[int, set[int]] = {}
    for message_id, unit_id in returns:
        found.setdefault(message_id, set()).add(unit_id)
    return found


def route_message(message: Message) -> list[UnitSuggestion]:
    """Routing suggestions for a message already on the board: its region is the one the citizen chose
    (certain); its domain is weighed by `message_domains`; a unit that returned it is not suggested."""
    text = f"{message.title}\n{message.body}"
    excluded = returned_units([message.pk]).get(message.pk, set())
    domains = message_domains(message, text)
    (learnt,) = learnt_unit_kinds([drop_personal_data(text)])
    return suggest_units(
        message.region, domains, text, excluded=excluded, judged=judged_domains(), learnt=learnt
    )


def auto_assign_message(message_id: int) -> Message | None:
    """自动交办 of a published message whose desk assigns automatically: the best routing suggestion
    within the desk's region goes to the board's `auto_assign_message`, which assigns it if it is as
    confident as the desk asked. None, changing nothing, when it does not assign."""
    message = (
        Message.objects.select_related("desk__region", "region", "domain")
        .filter(pk=message_id, state=MessageState.PUBLISHED, merged_into=None)
        .first()
    )
    if message is None or message.desk is None:
        return None
    if not AutoAssignPolicy.objects.filter(desk=message.desk, enabled=True).exists():
        return None
    best = next(
        (
            suggestion
            for suggestion in route_message(message)
            if dispatch.within_desk_region(suggestion.unit, message.desk)
        ),
        None,
    )
    if best is None:
        return None
    return dispatch.auto_assign_message(
        message.pk, best.unit.pk, confidence=best.confidence, reason=best.reason
    )
