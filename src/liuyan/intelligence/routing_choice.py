"""The unit each message would go to if a desk assigned it "to the system's suggestion": the best routing
suggestion (as `analyze.route_message` ranks them) that the user may assign to. The board's bulk assignment
takes the result as {message id: unit id}; the board cannot ask intelligence itself."""

from collections.abc import Iterable

from django.core.cache import cache

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.accounts.scope import can, restrict
from liuyan.board import lifecycle
from liuyan.board.models import Message
from liuyan.intelligence.analyze import judged_domains, learnt_unit_kinds, messages_domains, returned_units
from liuyan.intelligence.masking import drop_personal_data
from liuyan.intelligence.routing import UnitSuggestion, active_rules, preload_units, suggest_units


def best_suggestions(
    user: User, message_ids: Iterable[int], *, assignable_now: bool = True
) -> dict[int, UnitSuggestion]:
    """For each of the messages that `user` may assign and that can be assigned now (any state with
    `assignable_now=False`: what the desk was shown before it assigned), the best suggestion whose unit the
    user may assign to (never one that returned the message); messages without one are left out. The routing
    catalogue is read once for all of them, and the classifiers run once over all of them."""
    messages = restrict(Message.objects.all(), user, Permission.ASSIGN).filter(
        pk__in=list(message_ids), merged_into=None
    )
    if assignable_now:
        messages = messages.filter(state__in=lifecycle.ASSIGN.allowed_from)
    messages = list(messages.select_related("region", "domain__parent__parent").order_by("pk"))
    rules, units, returned = active_rules(), {}, returned_units(message.pk for message in messages)
    preload_units(rules, {message.region for message in messages}, units)
    judged = judged_domains()
    texts = [f"{message.title}\n{message.body}" for message in messages]
    learnt = learnt_unit_kinds([drop_personal_data(text) for text in texts])
    best = {}
    for message, text, domains, unit_kinds in zip(
        messages, texts, messages_domains(messages), learnt, strict=True
    ):
        ranked = suggest_units(
            message.region,
            domains,
            text,
            rules=rules,
            unit_cache=units,
            excluded=returned.get(message.pk, set()),
            judged=judged,
            learnt=unit_kinds,
        )
        choice = next((s for s in ranked if can(user, Permission.ASSIGN, s.unit)), None)
        if choice is not None:
            best[message.pk] = choice
    return best


def suggested_unit_ids(user: User, message_ids: Iterable[int]) -> dict[int, int]:
    """`best_suggestions` as the board's bulk assignment takes it: message id → unit id."""
    return {pk: suggestion.unit.pk for pk, suggestion in best_suggestions(user, message_ids).items()}


# How long a page's suggestions are kept: a message's text, place and domain do not change while it waits
# at the desk, and a change of the routing catalogue shows within this time.
KEPT_SECONDS = 600
NONE = 0  # kept for a message without a suggestion (the cache answers None for "not kept")


def _key(user_id: int, message_id: int) -> str:
    return f"routing:best:{user_id}:{message_id}"


def kept_suggestions(user: User, message_ids: Iterable[int]) -> dict[int, UnitSuggestion | int]:
    """What `page_suggestions` keeps for `user` of these messages (`NONE` for "kept: no suggestion"); the
    messages it keeps nothing for are left out."""
    keys = {pk: _key(user.pk, pk) for pk in message_ids}
    kept = cache.get_many(list(keys.values()))
    return {pk: kept[key] for pk, key in keys.items() if key in kept}


def forget_suggestion(user_id: int, message_id: int) -> None:
    cache.delete(_key(user_id, message_id))


def page_suggestions(user: User, message_ids: Iterable[int]) -> dict[int, UnitSuggestion]:
    """`best_suggestions` for the rows of a queue's page, kept per user and message for KEPT_SECONDS: a desk
    pages back and forth and reloads its queue after each action, and the classifier is what such a page
    costs most."""
    ids = list(message_ids)
    found = kept_suggestions(user, ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        fresh = best_suggestions(user, missing)
        cache.set_many({_key(user.pk, pk): fresh.get(pk, NONE) for pk in missing}, KEPT_SECONDS)
        found.update({pk: fresh.get(pk, NONE) for pk in missing})
    return {pk: suggestion for pk, suggestion in found.items() if isinstance(suggestion, UnitSuggestion)}
