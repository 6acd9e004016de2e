"""Public pages: the home page, the region and leader pages, message lists and a message's page, campaigns
and search. Anyone may read them; what a message shows depends on who reads it (board.selectors)."""

import mimetypes
import re
from dataclasses import dataclass

from django import forms
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import Truncator

from liuyan import inputs
from liuyan.api import presenters
from liuyan.api import search as search_api
from liuyan.board import selectors
from liuyan.board.actions.feedback import FOLLOW_UP_STATES
from liuyan.board.choices import MessageState
from liuyan.board.models import Campaign, Message
from liuyan.board.paging import CappedPaginator
from liuyan.board.privacy import mask_text
from liuyan.board.search import query_pattern
from liuyan.directory import selectors as directory_selectors
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Domain, Leader, Region
from liuyan.intelligence.hot_topics import stored_hot_topics
from liuyan.web.forms import DATE_ERROR, FollowUpForm, LineField, RatingForm, day_in_range
from liuyan.web.presenters import figures
from liuyan.web.presenters.coverage import headline as coverage_headline
from liuyan.web.presenters.highlight import highlighted
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


def _day_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[day_in_range],
        error_messages={"invalid": f"{DATE_ERROR}，例如 2026-01-31。"},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class SearchForm(forms.Form):
    """The search box and its filters. The words are required; a filter that is not valid is shown with
    its error and left out of the search."""

    q = LineField(
        label="搜索留言",
        max_length=50,
        error_messages={
            "required": "请输入要搜索的词。",
            "max_length": "搜索词不能超过 %(limit_value)d 个字。",
        },
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "如：学校 交通 拥堵，或留言编号"}),
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
    state = forms.ChoiceField(
        label="办理状态", choices=TABS, required=False, error_messages={"invalid_choice": "没有这个状态。"}
    )
    start = _day_field("刊发日期从")
    end = _day_field("到")

    FILTERS = ("region", "type", "domain", "state", "start", "end")

    def __init__(self, data=None, *, region: Region | None = None, path=(), children=(), **kwargs):
        """The home page's box shows the words only and builds no choices (`data` None, no children)."""
        super().__init__(data, **kwargs)
        if data is None and not children:
            return
        self.fields["region"].choices = _region_choices(region, list(path), children)
        self.fields["type"].choices = [("", "全部类型")] + [
            (kind.code, kind.name) for kind in directory_selectors.active_message_types()
        ]
        self.fields["domain"].choices = [("", "全部领域")] + [
            (domain.id, domain.name) for domain in Domain.objects.filter(active=True, parent=None)
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "结束日期不能早于开始日期，日期条件未使用。")
            data.pop("start", None)
        return data

    def filters(self) -> tuple[selectors.MessageFilters, str | None]:
        """The valid filters (words and order aside) and the state tab."""
        data = self.cleaned_data
        return (
            selectors.MessageFilters(
                region=data.get("region") or None,
                message_type=data.get("type") or None,
                domain=data.get("domain"),
                published_from=data.get("start"),
                published_to=data.get("end"),
            ),
            data.get("state") or None,
        )

    @property
    def filtered(self) -> bool:
        """Whether the search was narrowed by any filter that is in use."""
        return any(self.cleaned_data.get(name) for name in self.FILTERS)


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
            "coverage": coverage_headline(),
            "provinces": directory_selectors.regions_under(None),
            "search_form": SearchForm(),
        },
    )


def region_index(request):
    return render(request, "web/region_index.html", {"provinces": directory_selectors.regions_under(None)})


CHILD_LABELS = {
    RegionLevel.PROVINCE: "下辖地区",
    RegionLevel.PREFECTURE: "下辖区县",
    RegionLevel.COUNTY: "下辖乡镇（街道）",
}
# A county's 10–30 townships, grouped by kind as the division table names them.
TOWNSHIP_GROUPS = [("街道", "街道"), ("镇", "镇"), ("乡", "乡")]


def township_groups(children) -> list[tuple[str, list[Region]]]:
    """A county's townships by kind: street offices, towns, townships, then the rest (苏木, 农场 …)."""
    groups: dict[str, list[Region]] = {label: [] for label, _suffix in TOWNSHIP_GROUPS}
    groups["其他"] = []
    for child in children:
        label = next((label for label, suffix in TOWNSHIP_GROUPS if child.name.endswith(suffix)), "其他")
        groups[label].append(child)
    return [(label, regions) for label, regions in groups.items() if regions]


def region_detail(request, code: str):
    region = Region.objects.filter(pk=code).first()
    if region is None:
        raise Http404("没有这个行政区划。")
    units = directory_selectors.active_units(region)
    leaders = list(directory_selectors.active_leaders(region))
    children = list(directory_selectors.regions_under(region))
    # A township's leaders are dispatched by its county's desk.
    desk = next((u for u in units if u.kind == UnitKind.DISPATCH_DESK), None) or (
        leaders[0].desk if leaders else None
    )
    return render(
        request,
        "web/region_detail.html",
        {
            "region": region,
            "path": region.ancestors_and_self(),
            "successor": region.replaced_by if not region.active else None,
            "children": children,
            "child_groups": township_groups(children) if region.level == RegionLevel.COUNTY else None,
            "child_label": CHILD_LABELS.get(region.level, "下辖地区"),
            "leaders": leaders,
            "figures": figures.region_figures(region),
            "desk": desk,
            "organs": [u for u in units if u.kind in (UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT)],
            "departments": [u for u in units if u.kind == UnitKind.DEPARTMENT],
        },
    )


def leader_detail(request, leader_id: int):
    leader = Leader.objects.select_related("region", "desk", "department").filter(pk=leader_id).first()
    if leader is None:
        raise Http404("没有这位领导。")
    tab = request.GET.get("state") if request.GET.get("state") in selectors.PUBLIC_TABS else None
    page, rows = _list_page(request, selectors.public_list(selectors.MessageFilters(leader=leader.pk), tab))
    return render(
        request,
        "web/public/leader_detail.html",
        {
            "leader": leader,
            "path": leader.region.ancestors_and_self() if leader.region else [],
            "figures": figures.leader_figures(leader),
            "tabs": _tabs(tab),
            "page": page,
            "rows": rows,
        },
    )


def leader_photo(request, leader_id: int):
    """A leader's photo, from the media storage (only leaders' photos are served this way)."""
    leader = Leader.objects.filter(pk=leader_id).only("photo").first()
    if leader is None or not leader.photo:
        raise Http404("没有这张照片。")
    try:
        photo = leader.photo.open("rb")
    except FileNotFoundError:
        raise Http404("没有这张照片。") from None
    response = FileResponse(photo, content_type=mimetypes.guess_type(leader.photo.name)[0])
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def message_list(request):
    region = _chosen_region(request.GET.get("region", ""))
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
    region = _chosen_region(request.GET.get("region", ""))
    form = SearchForm(
        request.GET if "q" in request.GET else None,
        region=region,
        path=region.ancestors_and_self() if region else [],
        children=directory_selectors.regions_under(region),
    )
    page = rows = beyond = tab = None
    if form.is_bound:
        form.is_valid()  # a filter's error leaves the filter out; only the words are needed to search
    q = form.cleaned_data.get("q", "").strip() if form.is_bound else ""
    if q:
        if SERIAL.match(q):
            found = selectors.visible_message_id(request.user, q[:2].upper() + q[2:])
            if found is not None:
                return redirect("web:message-detail", message_id=found)
        filters, tab = form.filters()
        matches = selectors.search_public(q, filters, tab)
        page = Paginator(matches, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = _marked_rows(page.object_list, request.user, query_pattern(q))
        beyond = search_api.beyond_ranked(matches)
    return render(
        request,
        "web/public/search.html",
        {
            "form": form,
            "q": q,
            "page": page,
            "rows": rows,
            "beyond": beyond,
            "tabs": _tabs(tab) if q else None,
            "filtered": bool(q) and form.filtered,
        },
    )


def _chosen_region(code: str) -> Region | None:
    return Region.objects.filter(pk=code).first() if inputs.REGION_CODE.fullmatch(code) else None


def _marked_rows(messages, user, pattern) -> list[Row]:
    """Rows whose title and excerpt mark the searched words, as the search API finds them."""
    rows = []
    for message in messages:
        found = search_api.hit(message, user, pattern)
        title, excerpt = (highlighted(found[k], found[f"{k}_marks"]) for k in ("title", "excerpt"))
        rows.append(Row(message, title, excerpt))
    return rows
