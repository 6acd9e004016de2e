"""A workbench queue as a dense table: its filters as the reader set them (and those refused, with why),
one page of rows with what each row shows (deadline, return, routing suggestion), numbered pages, and the
bulk toolbar's choices."""

from urllib.parse import urlencode

from django.core.cache import cache
from django.urls import reverse

from liuyan.accounts.choices import Permission
from liuyan.accounts.scope import scope_for
from liuyan.board import queues as board_queues
from liuyan.board import selectors
from liuyan.board.choices import HANDLING_STATES, MessageState
from liuyan.board.models import Campaign
from liuyan.board.paging import CappedPaginator
from liuyan.directory import lookups
from liuyan.directory.models import Domain, Region
from liuyan.intelligence.reply_quality import quality_of_reply
from liuyan.intelligence.routing_choice import page_suggestions
from liuyan.web.presenters.deadlines import with_deadlines

ASSIGN_UNITS_SECONDS = 300
# The campaigns a queue's filter offers (newest first); an older one is still taken from the URL.
CAMPAIGN_CHOICES = 30

# What the bulk toolbar offers on each queue, as the lifecycle steps' slugs the bulk endpoint takes, and
# the permission each needs.
BULK_ACTIONS = {
    "to_moderate": ("publish", "hide"),
    "replies_to_review": ("approve-reply",),
    "desk_incoming": ("assign",),
    "desk_returned": ("assign",),
    "desk_due_soon": ("remind", "supervise"),
    "desk_overdue": ("remind", "supervise"),
    "overdue": ("remind", "supervise"),
}
BULK_LABELS = {
    "publish": "刊发",
    "hide": "隐藏",
    "approve-reply": "审核通过回复",
    "assign": "交办",
    "remind": "催办",
    "supervise": "督办",
}
BULK_PERMISSIONS = {
    "publish": Permission.MODERATE,
    "hide": Permission.MODERATE,
    "approve-reply": Permission.REVIEW_REPLY,
    "assign": Permission.ASSIGN,
    "remind": Permission.REMIND,
    "supervise": Permission.SUPERVISE,
}


def _page_links(paginator: CappedPaginator, number: int, filters: board_queues.QueueFilters):
    links = []
    for item in paginator.get_elided_page_range(number, on_each_side=2, on_ends=1):
        if item == paginator.ELLIPSIS:
            links.append((None, ""))
        else:
            links.append((item, "?" + urlencode(filters.query(page=item))))
    return links


def _state_choices(spec: board_queues.QueueSpec) -> list[tuple[str, str]]:
    if len(spec.states) < 2:
        return []
    labels = dict(MessageState.choices)
    return [(state, labels[state]) for state in spec.states]


def queue_table(user, queue: str, rows, data, now) -> dict:
    """The context of one queue's table: `rows` is the queue's queryset (unfiltered), `data` the GET."""
    spec = board_queues.spec_for(queue)
    filters, errors = board_queues.parse_filters(data, queue)
    matching = board_queues.filter_queue(rows, queue, filters, now)
    paginator = CappedPaginator(matching, board_queues.PER_PAGE, count_unordered=True)
    page = paginator.get_page(filters.page)
    shown = list(page.object_list)
    kind = rows.model._meta.model_name
    if kind == "message":
        with_deadlines(shown, now)
        for message in shown:
            message.received = getattr(message, spec.received)
        if queue == "desk_returned":
            returns = board_queues.latest_returns([m.pk for m in shown])
            for message in shown:
                message.returned = returns.get(message.pk)
        if queue in board_queues.SUGGESTING:
            best = page_suggestions(user, [m.pk for m in shown])
            for message in shown:
                message.suggestion = best.get(message.pk)
    elif kind == "extensionrequest":
        with_deadlines([e.message for e in shown], now)
    elif kind == "reply":
        for reply in shown:
            reply.quality = quality_of_reply(reply)
    count = f"{paginator.cap}+" if paginator.more else str(paginator.count)
    actions = [
        (name, BULK_LABELS[name])
        for name in BULK_ACTIONS.get(queue, ())
        if not scope_for(user, BULK_PERMISSIONS[name]).empty
    ]
    places = board_queues.places_for(user, queue)
    top = min((place.path.count("/") for place in places), default=0)
    other_place = None
    if filters.region and all(place.pk != filters.region for place in places):
        other_place = Region.objects.filter(pk=filters.region).first()
    return {
        "filters": filters,
        "filter_errors": list(errors.values()),
        "page": page,
        "rows": shown,
        "matched": count,
        "page_links": _page_links(paginator, page.number, filters),
        "received_label": spec.received_label,
        # The scope's places, and those under them indented.
        "places": [(p.code, "\u3000" * (p.path.count("/") - top) + p.name) for p in places],
        "other_place": other_place,
        "prev_query": urlencode(filters.query(page=page.number - 1)),
        "next_query": urlencode(filters.query(page=page.number + 1)),
        "domains": _domains(),
        "types": lookups.active_message_types(),
        "campaigns": _campaigns(filters),
        "states": _state_choices(spec),
        "sorts": [(name, board_queues.SORT_LABELS[name]) for name in spec.sorts],
        "bulk_url": reverse("web:workbench-bulk") if actions else None,
        "bulk_actions": actions,
        # 催办 and 督办 take a note.
        "noted": any(name in ("remind", "supervise") for name, _label in actions),
        "bulk_units": _assign_units(user) if any(name == "assign" for name, _label in actions) else [],
        "suggesting": queue in board_queues.SUGGESTING,
        # Whether the queue's rows run against deadlines (the 超期 filter and the deadline column).
        "on_deadline": not spec.states or bool(set(spec.states) & set(HANDLING_STATES)),
    }


def _domains() -> list[tuple[int, str]]:
    """The domains as a select lists them: each level-1 domain followed by the ones under it, indented."""
    domains = sorted(lookups.active_domains(), key=lambda d: (d.order, d.pk))
    children: dict[int | None, list[Domain]] = {}
    for domain in domains:
        children.setdefault(domain.parent_id, []).append(domain)
    listed: list[tuple[int, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for domain in children.get(parent, []):
            listed.append((domain.pk, "\u3000" * depth + domain.name))
            if depth < 2:
                walk(domain.pk, depth + 1)

    walk(None, 0)
    return listed


def _campaigns(filters: board_queues.QueueFilters) -> list[Campaign]:
    campaigns = list(Campaign.objects.order_by("-opens_at", "-id")[:CAMPAIGN_CHOICES])
    if filters.campaign_id is not None and all(c.pk != filters.campaign_id for c in campaigns):
        campaigns += list(Campaign.objects.filter(pk=filters.campaign_id))
    return campaigns


def _assign_units(user) -> list[tuple[str, list[tuple[int, str]]]]:
    """The units the toolbar may assign every selected message to, nearest the desk first. Kept a few
    minutes per user: ordering a province's units by nearness costs more than the rest of the page, and
    units change a few times a year."""
    key = f"workbench:bulk-units:{user.pk}"
    groups = cache.get(key)
    if groups is None:
        groups = _read_assign_units(user)
        cache.set(key, groups, ASSIGN_UNITS_SECONDS)
    return groups


def _read_assign_units(user) -> list[tuple[str, list[tuple[int, str]]]]:
    scope = scope_for(user, Permission.ASSIGN)
    near = Region.objects.filter(path__in=sorted(scope.region_paths)).order_by("path").first()
    units, _more = selectors.unit_choices(selectors.assign_candidates(user), near=near)
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    for unit in units:
        name = str(unit.region) if unit.region else "中央部门"
        if not groups or groups[-1][0] != name:
            groups.append((name, []))
        groups[-1][1].append((unit.pk, unit.name))
    return groups
