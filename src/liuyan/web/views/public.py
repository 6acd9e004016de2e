"""Public pages: the home page, the region and leader pages, message lists and a message's page, campaigns
and search. Anyone may read them; what a message shows depends on who reads it (board.selectors)."""

import re
from dataclasses import dataclass

from django import forms
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import Truncator

from liuyan import inputs
from liuyan.api import presenters
from liuyan.board import selectors
from liuyan.board.actions.feedback import FOLLOW_UP_STATES
from liuyan.board.choices import MessageState
from liuyan.board.models import Campaign, Message
from liuyan.board.paging import CappedPaginator
from liuyan.board.privacy import mask_text
from liuyan.directory import selectors as directory_selectors
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Domain, Leader, Region
from liuyan.intelligence.hot_topics import stored_hot_topics
from liuyan.web.forms import FollowUpForm, LineField, RatingForm
from liuyan.web.presenters import figures
from liuyan.web.presenters.stats import home_ranking

PAGE_SIZE = 20
# Serials typed into the search box: native (LY + date + sequence) and imported (IM + the source's number,
# board/imports.serial_for). The two-letter prefix is matched in any case; the rest of an imported serial
# keeps the case of the source.
SERIAL = re.compile(r"^(?:LY\d{14}|IM[0-9A-Za-z_-]{1,18})$", re.IGNORECASE)
SORTS = [("newest", "最新刊发"), ("support", "点赞最多")]
TABS = [("", "全部"), *((key, label) for key, (label, _states) in selectors.PUBLIC_TABS.items())]


# ---- Forms: the list filters and the search box (GET) ----


class MessageFilterForm(forms.Form):
    """The filters of a message list; leader, campaign and the state tab arrive from links."""

    q = LineField(
        label="关键词",
        required=False,
        max_length=50,
        error_messages={"max_length": "关键词不能超过 %(limit_value)d 个字。"},
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "标题或内容中的词"}),
    )
    region = forms.ChoiceField(
        label="地区", required=False, error_messages={"invalid_choice": "没有这个地区。"}
    )
    type = forms.ChoiceField(
        label="类型", required=False, error_messages={"invalid_choice": "没有这个类型。"}
    )
    domain = forms.TypedChoiceField(
        label="领域",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "没有这个领域。"},
    )
    sort = forms.ChoiceField(label="排序", choices=SORTS, required=False)
    leader = forms.IntegerField(
        required=False, min_value=1, max_value=inputs.MAX_ID, widget=forms.HiddenInput
    )
    campaign = forms.SlugField(required=False, widget=forms.HiddenInput)
    state = forms.ChoiceField(choices=TABS, required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, region: Region | None, path: list[Region], children, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = _region_choices(region, path, children)
        self.fields["type"].choices = [("", "全部类型")] + [
            (kind.code, kind.name) for kind in directory_selectors.active_message_types()
        ]
        self.fields["domain"].choices = [("", "全部领域")] + [
            (domain.id, domain.name) for domain in Domain.objects.filter(active=True, parent=None)
        ]

    def filters(self) -> tuple[selectors.MessageFilters, str | None]:
        """The filters that are valid (an invalid one is shown with its error and left out) and the tab."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return (
            selectors.MessageFilters(
                region=data.get("region") or None,
                leader=data.get("leader"),
                message_type=data.get("type") or None,
                domain=data.get("domain"),
                campaign=data.get("campaign") or None,
                q=(data.get("q") or "").strip() or None,
                sort=data.get("sort") or "newest",
            ),
            data.get("state") or None,
        )


def _region_choices(region: Region | None, path: list[Region], children) -> list:
    """全国, the chosen region and the places above it, then the places directly under it: choosing one
    and filtering again walks down the tree without any script."""
    choices: list = [("", "全国")]
    if path:
        choices.append(("当前地区", [(r.code, "\u3000" * i + r.name) for i, r in enumerate(path)]))
    below = [(child.code, child.name) for child in children]
    if below:
        choices.append((f"{region.name}下辖" if region else "省级", below))
    return choices


class SearchForm(forms.Form):
    q = LineField(
        label="搜索留言",
        max_length=50,
        error_messages={
            "required": "请输入要搜索的词。",
            "max_length": "搜索词不能超过 %(limit_value)d 个字。",
        },
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "如：学校 交通 拥堵，或留言编号"}),
    )


# ---- Shared pieces ----


@dataclass(frozen=True)
class Row:
    """A message as a list shows it: its title and the start of its body, masked unless the reader may see
    the originals (the author, staff in scope)."""

    message: Message
    title: str
    excerpt: str


def _rows(messages, user) -> list[Row]:
    rows = []
    for message in messages:
        show = (lambda text: text) if selectors.sees_originals(user, message) else mask_text
        rows.append(Row(message, show(message.title), Truncator(show(message.body)).chars(90)))
    return rows


def _page(request, messages, paginator=Paginator) -> tuple[Page, list[Row]]:
    """The requested page (the first for garbage, the last for past-the-end) and its rows."""
    page = paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    return page, _rows(page.object_list, request.user)


def _list_page(request, messages) -> tuple[Page, list[Row]]:
    """A page of a public message list, counted up to a cap instead of over the whole list."""
    return _page(request, selectors.for_page(messages), CappedPaginator)


def _tabs(current: str | None) -> list[tuple[str, str, bool]]:
    return [(key, label, (current or "") == key) for key, label in TABS]


# ---- Pages ----


def home(request):
    return render(
        request,
        "web/home.html",
        {
            "figures": figures.site_figures(),
            "latest": _rows(selectors.latest_replied(10), request.user),
            "campaigns": list(selectors.open_campaigns()),
            "hot_topics": stored_hot_topics(),
            "ranking": home_ranking(),
            "provinces": directory_selectors.regions_under(None),
            "search_form": SearchForm(),
        },
    )


def region_index(request):
    return render(request, "web/region_index.html", {"provinces": directory_selectors.regions_under(None)})


def region_detail(request, code: str):
    region = Region.objects.filter(pk=code).first()
    if region is None:
        raise Http404("没有这个行政区划。")
    units = directory_selectors.active_units(region)
    return render(
        request,
        "web/region_detail.html",
        {
            "region": region,
            "path": region.ancestors_and_self(),
            "children": directory_selectors.regions_under(region),
            "child_label": "下辖区县" if region.level == RegionLevel.PREFECTURE else "下辖地区",
            "leaders": directory_selectors.active_leaders(region),
            "figures": figures.region_figures(region),
            "desk": next((u for u in units if u.kind == UnitKind.DISPATCH_DESK), None),
            "organs": [u for u in units if u.kind in (UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT)],
            "departments": [u for u in units if u.kind == UnitKind.DEPARTMENT],
        },
    )


def leader_detail(request, leader_id: int):
    leader = Leader.objects.select_related("region", "desk").filter(pk=leader_id).first()
    if leader is None:
        raise Http404("没有这位领导。")
    tab = request.GET.get("state") if request.GET.get("state") in selectors.PUBLIC_TABS else None
    page, rows = _list_page(request, selectors.public_list(selectors.MessageFilters(leader=leader.pk), tab))
    return render(
        request,
        "web/public/leader_detail.html",
        {
            "leader": leader,
            "path": leader.region.ancestors_and_self(),
            "figures": figures.leader_figures(leader),
            "tabs": _tabs(tab),
            "page": page,
            "rows": rows,
        },
    )


def message_list(request):
    code = request.GET.get("region", "")
    region = Region.objects.filter(pk=code).first() if re.fullmatch(r"\d{6}", code) else None
    form = MessageFilterForm(
        request.GET,
        region=region,
        path=region.ancestors_and_self() if region else [],
        children=directory_selectors.regions_under(region),
    )
    filters, tab = form.filters()
    page, rows = _list_page(request, selectors.public_list(filters, tab))
    return render(
        request,
        "web/public/message_list.html",
        {
            "form": form,
            "filters": filters,
            "region": region,
            "leader": Leader.objects.filter(pk=filters.leader).first() if filters.leader else None,
            "campaign": Campaign.objects.filter(slug=filters.campaign).first() if filters.campaign else None,
            "tabs": _tabs(tab),
            "page": page,
            "rows": rows,
        },
    )


def message_detail(request, message_id: int):
    return message_page(request, message_id)


def message_page(request, message_id: int, *, rating_form=None, follow_up_form=None, status: int = 200):
    """A message's page. The citizen's POST handlers call this to show their form again with its errors
    (and what was typed) when an action refuses it."""
    message = selectors.visible_message(request.user, message_id)
    if message is None:
        raise Http404("留言不存在。")
    user = request.user
    author = user.is_authenticated and user.id == message.author_id
    staff = selectors.is_staff_viewer(user, message)
    detail = presenters.message_detail(message, user)
    return render(
        request,
        "web/public/message_detail.html",
        {
            "message": message,
            "detail": detail,
            "is_author": author,
            "is_staff": staff,
            "public": message.is_public,
            "supported": message.is_public and selectors.has_supported(user, message),
            "can_withdraw": author and message.state == MessageState.PENDING_REVIEW,
            "rating_form": rating_form
            or (RatingForm() if author and selectors.rating_due(message) else None),
            "follow_up_form": follow_up_form
            or (FollowUpForm() if author and message.state in FOLLOW_UP_STATES else None),
        },
        status=status,
    )


def campaign_list(request):
    page = Paginator(selectors.public_campaigns(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/public/campaign_list.html", {"page": page, "now": timezone.now()})


def campaign_detail(request, slug: str):
    campaign = (
        selectors.public_campaigns().prefetch_related("regions", "allowed_types").filter(slug=slug).first()
    )
    if campaign is None:
        raise Http404("没有这个专栏。")
    now = timezone.now()
    tab = request.GET.get("state") if request.GET.get("state") in selectors.PUBLIC_TABS else None
    listed = selectors.public_list(selectors.MessageFilters(campaign=campaign.slug), tab)
    page, rows = _list_page(request, listed)
    return render(
        request,
        "web/public/campaign_detail.html",
        {
            "campaign": campaign,
            "is_open": campaign.is_open(now),
            "now": now,
            "tabs": _tabs(tab),
            "page": page,
            "rows": rows,
        },
    )


def search(request):
    form = SearchForm(request.GET if "q" in request.GET else None)
    page = rows = beyond = None
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if SERIAL.match(q):
            found = selectors.visible_message_id(request.user, q[:2].upper() + q[2:])
            if found is not None:
                return redirect("web:message-detail", message_id=found)
        matches = selectors.search_public(q)
        page, rows = _page(request, matches)
        beyond = _beyond_ranked(matches)
    return render(
        request, "web/public/search.html", {"form": form, "page": page, "rows": rows, "beyond": beyond}
    )


def _beyond_ranked(matches) -> str | None:
    """How many messages match when more match than a search ranks, in Chinese: the planner's estimate
    rounded ("约 9.1 万条"), or "超过 500 条" when the estimate is missing or below what was ranked."""
    if not getattr(matches, "more", False):
        return None
    estimate = matches.estimate() or 0
    if estimate <= len(matches):
        return f"超过 {len(matches)} 条"
    if estimate >= 10_000:
        return f"约 {estimate / 10_000:.1f}".removesuffix(".0") + " 万条"
    return f"约 {round(estimate, -2):,} 条"
