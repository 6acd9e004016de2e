"""The unit each message would go to if a desk assigned it "to the system's suggestion": the best routing
suggestion (as `analyze.route_message` ranks them) that the user may assign to. The board's bulk assignment
takes the result as {message id: unit id}; the board cannot ask intelligence itself."""

from collections.abc import Iterable

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.accounts.scope import can, restrict
from liuyan.board import lifecycle
from liuyan.board.models import Message
from liuyan.intelligence.analyze import messages_domains
from liuyan.intelligence.routing import UnitSuggestion, active_rules, preload_units, suggest_units


def best_suggestions(user: User, message_ids: Iterable[int]) -> dict[int, UnitSuggestion]:
    """For each of the messages that `user` may assign and that can be assigned now, the best suggestion
    whose unit the user may assign to; messages without one are left out. The routing catalogue is read
    once for all of them, and the classifier runs once over all of them."""
    messages = list(
        restrict(Message.objects.all(), user, Permission.ASSIGN)
        .filter(pk__in=list(message_ids), state__in=lifecycle.ASSIGN.allowed_from, merged_into=None)
        .select_related("region", "domain__parent__parent")
        .order_by("pk")
    )
    rules, units = active_rules(), {}
    preload_units(rules, {message.region for message in messages}, units)
    best = {}
    for message, domains in zip(messages, messages_domains(messages), strict=True):
        text = f"{message.title}\n{message.body}"
        ranked = suggest_units(message.region, domains, text, rules=rules, unit_cache=units)
        choice = next((s for s in ranked if can(user, Permission.ASSIGN, s.unit)), None)
        if choice is not None:
            best[message.pk] = choice
    return best


def suggested_unit_ids(user: User, message_ids: Iterable[int]) -> dict[int, int]:
    """`best_suggestions` as the board's bulk assignment takes it: message id → unit id."""
    return {pk: suggestion.unit.pk for pk, suggestion in best_suggestions(user, message_ids).items()}
