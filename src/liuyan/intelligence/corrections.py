"""The desk's corrections (人工更正): each time staff change a message's domain or type, or assign it to
another unit than the first routing suggestion, a Correction row says who changed what from what to
what, and when. Retraining reads them back as labelled examples (`history_examples`): domains, types
and the kinds of units."""

from collections.abc import Iterable

from liuyan.board.models import Event, Message
from liuyan.directory.models import Domain, MessageType, Unit
from liuyan.intelligence.choices import CorrectionField
from liuyan.intelligence.models import Correction
from liuyan.intelligence.routing import UnitSuggestion, unit_kind
from liuyan.intelligence.routing_choice import best_suggestions


def root_domain_name(domain: Domain) -> str:
    """The level-1 domain a (sub-)domain belongs to, by name: what the domain classifier labels."""
    while domain.parent_id:
        domain = domain.parent
    return domain.name


def record_reclassification(event: Event, previous_domain: Domain, previous_type: MessageType) -> None:
    """A 修改领域或类型 event: one Correction for the domain (when its level-1 domain changed) and one for
    the type (when it changed)."""
    message = event.message
    rows = []
    before, after = root_domain_name(previous_domain), root_domain_name(message.domain)
    if before != after:
        rows.append((CorrectionField.DOMAIN, before, after))
    if previous_type.code != message.message_type.code:
        rows.append((CorrectionField.TYPE, previous_type.code, message.message_type.code))
    Correction.objects.bulk_create(
        Correction(
            message=message,
            field=field,
            suggested=suggested,
            chosen=chosen,
            actor_id=event.actor_id,
            created_at=event.created_at,
        )
        for field, suggested, chosen in rows
    )


def record_assignment(event: Event, shown: UnitSuggestion | None) -> bool:
    """A person's 交办 to another unit than `shown`, the system's first suggestion as the person saw it (the
    best one they may assign to): one Correction for the unit. Assignments to the suggestion, and of
    messages without one, correct nothing."""
    if shown is None or shown.unit.pk == event.unit_id:
        return False
    Correction.objects.create(
        message_id=event.message_id,
        field=CorrectionField.UNIT,
        suggested=shown.unit.name,
        chosen=event.unit.name,
        actor_id=event.actor_id,
        created_at=event.created_at,
    )
    return True


def record_assignment_worked_out(event: Event) -> bool:
    """`record_assignment` for an assignment whose suggestion no page kept: worked out again, after the
    fact (the message's text, place and domain are what the desk saw; its state has moved on)."""
    shown = best_suggestions(event.actor, [event.message_id], assignable_now=False)
    return record_assignment(event, shown.get(event.message_id))


def corrected_labels(field: str, message_ids: Iterable[int] | None = None) -> dict[int, str]:
    """The label each corrected message was last given for `field` (domain: level-1 name; type: code)."""
    rows = Correction.objects.filter(field=field)
    if message_ids is not None:
        rows = rows.filter(message_id__in=list(message_ids))
    latest: dict[int, str] = {}
    for message_id, chosen in rows.order_by("created_at", "id").values_list("message_id", "chosen"):
        latest[message_id] = chosen
    return latest


def history_examples(kind: str, handled: Iterable[tuple[int, str, str]]) -> tuple[list[str], list[str]]:
    """(texts, labels) of the deployment's history for the `kind` classifier: the handled messages given
    as (id, text, label) with their label as corrected, then the corrected messages not among them. For the
    unit kind a handled message keeps the kind of the unit holding it (a corrected assignment is already
    there, and a later transfer knows better), and a correction's unit, kept by name, gives its kind when
    every unit of that name is of one kind."""
    latest = corrected_labels(kind)
    if kind == CorrectionField.UNIT:
        latest = _unit_kinds_by_name(latest)
    texts, labels, seen = [], [], set()
    for message_id, text, label in handled:
        texts.append(text)
        labels.append(label if kind == CorrectionField.UNIT else latest.get(message_id, label))
        seen.add(message_id)
    others = Message.objects.filter(pk__in=[pk for pk in latest if pk not in seen], hidden=False)
    for message_id, title, body in others.order_by("id").values_list("id", "title", "body"):
        texts.append(f"{title}\n{body}")
        labels.append(latest[message_id])
    return texts, labels


def _unit_kinds_by_name(names: dict[int, str]) -> dict[int, str]:
    """{message id: unit name} as {message id: unit kind}, for the names that tell one kind."""
    kinds: dict[str, set[str]] = {}
    for name, code in Unit.objects.filter(name__in=set(names.values())).values_list("name", "code"):
        kinds.setdefault(name, set()).add(unit_kind(code))
    return {pk: next(iter(kinds[name])) for pk, name in names.items() if len(kinds.get(name, ())) == 1}
