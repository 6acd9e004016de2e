"""个人信息查阅记录: the log of staff looking at citizens' unmasked data (accounts.audit), for those who
review it — an administrator sees every record, a leader those of their region's subtree — as a page and
as a CSV download of the same filter. Anyone else gets the 404 of any page outside their scope.

Nothing here writes to the log; records are only ever added by `accounts.audit.record_access`."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from liuyan.accounts.choices import AccessKind, Permission
from liuyan.accounts.models import AccessRecord
from liuyan.accounts.scope import restrict, scope_for
from liuyan.reports.exports import CHUNK_SIZE, csv_stream
from liuyan.web.views.workbench import PER_PAGE, staff_page

# The dates a filter may name: outside them a day's bounds would not convert to UTC in every database.
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2099, 12, 31)
DATE_ERROR = "日期应在 2000-01-01 至 2099-12-31 之间。"
CSV_HEADERS = ["时间", "用户", "昵称", "类别", "留言编号", "内容", "行政区划代码", "行政区划", "来源地址"]


def _day(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "请输入有效的日期（如 2026-03-01）。"},
    )


class AccessLogFilterForm(forms.Form):
    user = forms.CharField(
        label="用户名",
        required=False,
        max_length=150,
        error_messages={"max_length": "用户名不能超过 %(limit_value)d 个字符。"},
    )
    kind = forms.ChoiceField(
        label="类别",
        required=False,
        choices=[("", "全部"), *AccessKind.choices],
        error_messages={"invalid_choice": "没有这个类别。"},
    )
    start = _day("开始日期")
    end = _day("结束日期")

    def _clean_day(self, name: str) -> date | None:
        day = self.cleaned_data[name]
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise forms.ValidationError(DATE_ERROR)
        return day

    def clean_start(self) -> date | None:
        return self._clean_day("start")

    def clean_end(self) -> date | None:
        return self._clean_day("end")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "结束日期不能早于开始日期。")
        return data

    def apply(self, records: QuerySet[AccessRecord]) -> QuerySet[AccessRecord]:
        """The records matching the filter; the dates are whole days of Beijing time."""
        data = self.cleaned_data
        if data["user"].strip():
            records = records.filter(user__username=data["user"].strip())
        if data["kind"]:
            records = records.filter(kind=data["kind"])
        if data["start"]:
            records = records.filter(at__gte=_local_midnight(data["start"]))
        if data["end"]:
            records = records.filter(at__lt=_local_midnight(data["end"] + timedelta(days=1)))
        return records


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def reviewable_records(user) -> QuerySet[AccessRecord] | None:
    """The records `user` may review, newest first: all for an administrator, those whose region lies in
    a leader's region subtree; None for anyone else."""
    scope = scope_for(user, Permission.REVIEW_ACCESS)
    if scope.empty:
        return None
    records = restrict(AccessRecord.objects.all(), user, Permission.REVIEW_ACCESS)
    return records.select_related("user", "region").order_by("-at", "-id")


def _filtered(request) -> tuple[AccessLogFilterForm, QuerySet[AccessRecord] | None]:
    records = reviewable_records(request.user)
    if records is None:
        raise Http404
    form = AccessLogFilterForm(request.GET)
    return form, form.apply(records) if form.is_valid() else None


@staff_page
def access_log(request):
    form, records = _filtered(request)
    page = Paginator(records if records is not None else [], PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/workbench/access_log.html",
        {"form": form, "page": page},
        status=200 if form.is_valid() else 400,
    )


def _csv_chunks(records: QuerySet[AccessRecord]):
    chunk = []
    rows = records.values_list(
        "at",
        "user__username",
        "user__nickname",
        "kind",
        "serial",
        "detail",
        "region_id",
        "region__name",
        "address",
    )
    for at, username, nickname, kind, serial, detail, code, region, address in rows.iterator(
        chunk_size=CHUNK_SIZE
    ):
        chunk.append([at, username, nickname, AccessKind(kind).label, serial, detail, code, region, address])
        if len(chunk) >= CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@staff_page
def access_log_csv(request):
    """The same filter as the page, every matching record, streamed; cells that a spreadsheet would read as
    a formula are kept as text (reports.exports.csv_stream)."""
    form, records = _filtered(request)
    if records is None:
        return render(
            request,
            "web/workbench/access_log.html",
            {"form": form, "page": Paginator([], PER_PAGE).get_page(1)},
            status=400,
        )
    response = StreamingHttpResponse(
        csv_stream(_csv_chunks(records), CSV_HEADERS), content_type="text/csv; charset=utf-8"
    )
    filename = f"个人信息查阅记录-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
