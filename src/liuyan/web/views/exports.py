"""Downloads: a message list as CSV or XLSX (the public list with public fields; staff lists with full
fields within the user's scope) and the open-data archive. The export URL is the list's URL with its query
string kept, e.g. /messages/export.csv?region=530900&type=complaint."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render

from liuyan import inputs
from liuyan.accounts.audit import record_access
from liuyan.accounts.choices import AccessKind, Permission
from liuyan.accounts.scope import restrict, scope_for
from liuyan.board import selectors
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory import selectors as directory_selectors
from liuyan.directory.models import Region
from liuyan.reports import exports, opendata
from liuyan.web.forms import LineField
from liuyan.web.views.public import MessageFilterForm
from liuyan.web.views.workbench import QUEUE_LABELS, forbidden


def _refused(request, errors: list[str]):
    """Bad filters: say which, rather than export a list the user did not ask for."""
    return render(request, "web/reports/export_refused.html", {"errors": errors}, status=400)


def _form_errors(form: forms.Form) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


def public_export(request, fmt: str):
    """The public message list (same filters and state tab as /messages/) with public fields, masked."""
    code = request.GET.get("region", "")
    region = Region.objects.filter(pk=code).first() if inputs.REGION_CODE.fullmatch(code) else None
    form = MessageFilterForm(
        request.GET,
        region=region,
        path=region.ancestors_and_self() if region else [],
        children=directory_selectors.regions_under(region),
    )
    filters, tab = form.filters()
    if form.errors:
        return _refused(request, _form_errors(form))
    return exports.export_response(selectors.public_list(filters, tab), exports.PUBLIC, fmt)


class StaffExportForm(forms.Form):
    """Filters of a staff export: those of the public list, and any state (including unpublished ones)."""

    region = forms.RegexField(
        regex=f"^{inputs.REGION_CODE.pattern}$",
        required=False,
        error_messages={"invalid": "地区代码应为 6 位（乡镇 9 位）数字。"},
    )
    leader = forms.IntegerField(required=False, min_value=1, error_messages={"invalid": "留言对象无效。"})
    type = LineField(required=False, max_length=20)
    domain = forms.IntegerField(required=False, min_value=1, error_messages={"invalid": "领域无效。"})
    state = forms.ChoiceField(
        choices=[("", "全部"), *MessageState.choices],
        required=False,
        error_messages={"invalid_choice": "没有这个状态。"},
    )
    campaign = forms.SlugField(required=False, error_messages={"invalid": "专栏标识无效。"})
    q = LineField(
        required=False, max_length=50, error_messages={"max_length": "关键词不能超过 %(limit_value)d 个字。"}
    )
    sort = forms.ChoiceField(
        choices=[("newest", "最新刊发"), ("support", "点赞最多")],
        required=False,
        error_messages={"invalid_choice": "没有这种排序。"},
    )

    def filters(self) -> selectors.MessageFilters:
        data = self.cleaned_data
        return selectors.MessageFilters(
            region=data["region"] or None,
            leader=data["leader"],
            message_type=data["type"] or None,
            domain=data["domain"],
            state=data["state"] or None,
            campaign=data["campaign"] or None,
            q=data["q"].strip() or None,
            sort=data["sort"] or "newest",
        )


@login_required
def staff_export(request, fmt: str):
    """Every message in the user's scope (any state) matching the filters, with full fields."""
    if scope_for(request.user, Permission.VIEW).empty:
        return forbidden(request, "只有工作人员可以导出辖区内的留言。")
    form = StaffExportForm(request.GET)
    if not form.is_valid():
        return _refused(request, _form_errors(form))
    messages = restrict(Message.objects.all(), request.user, Permission.VIEW)
    filters = "&".join(f"{name}={value}" for name, value in form.cleaned_data.items() if value)
    code = form.cleaned_data["region"]
    record_access(
        request,
        AccessKind.EXPORT,
        region=Region.objects.filter(pk=code).first() if code else _own_region(request.user),
        detail=f"导出辖区留言（{fmt.upper()}）；筛选：{filters or '无'}",
    )
    return exports.export_response(selectors.filter_messages(messages, form.filters()), exports.STAFF, fmt)


def _own_region(user) -> Region | None:
    """The region of an export not filtered by region: the user's own when their scope is one region's
    subtree (a desk, a leader) or one unit (a handler), so that its leaders see the record; else None
    (platform-wide roles and several scopes: administrators see those records)."""
    scope = scope_for(user, Permission.VIEW)
    if scope.everywhere or len(scope.region_paths) + len(scope.unit_ids) != 1:
        return None
    if scope.region_paths:
        return Region.objects.filter(pk=next(iter(scope.region_paths)).rstrip("/").rsplit("/", 1)[-1]).first()
    return Region.objects.filter(units__pk=next(iter(scope.unit_ids))).first()


@login_required
def queue_export(request, queue: str, fmt: str):
    """A workbench queue of messages, in its order, with full fields."""
    queues = selectors.workbench_queues(request.user)
    if not queues:
        return forbidden(request)
    if queue not in queues or queues[queue].model is not Message:
        raise Http404
    messages = restrict(queues[queue], request.user, Permission.VIEW)
    record_access(
        request,
        AccessKind.EXPORT,
        region=_own_region(request.user),
        detail=f"导出工作台队列“{QUEUE_LABELS[queue]}”（{fmt.upper()}），{messages.count()} 条",
    )
    return exports.export_response(messages, exports.TRACKED if queue == "tracked" else exports.STAFF, fmt)


# ---- Open data ----


def _open_data_page(request, archive: opendata.Archive | None, status: int = 200):
    return render(
        request,
        "web/reports/open_data.html",
        {"archive": archive, "columns": opendata.COLUMN_DOCS, "licence": opendata.LICENCE},
        status=status,
    )


def open_data(request):
    """The open-data page: what the archive holds, and a link to the latest one."""
    return _open_data_page(request, opendata.latest_archive())


def open_data_download(request):
    """The latest archive, streamed from disk; the page with a 404 when none has been written yet."""
    archive = opendata.latest_archive()
    if archive is None:
        return _open_data_page(request, None, status=404)
    return FileResponse(
        archive.path.open("rb"),
        as_attachment=True,
        filename=archive.path.name,
        content_type="application/zip",
    )
