"""The daily brief archive (每日留言简报): the last 30 days' briefs of the nation or a region, each as a page
and as a PDF (generated on demand, cached on disk), and staff subscriptions to the e-mailed brief.

The briefs are public pages, as the real platform publishes its brief: they list public messages only.
"""

import re
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from liuyan import inputs
from liuyan.directory.choices import RegionLevel
from liuyan.directory.models import Region
from liuyan.reports import stats
from liuyan.reports.brief import build_brief, cached_brief_pdf, render_brief_html
from liuyan.reports.models import BriefSubscription
from liuyan.reports.subscriptions import (
    SubscriptionRefused,
    is_staff,
    subscribe_to_brief,
    unsubscribe_from_brief,
)

ARCHIVE_DAYS = 30


def _day_or_404(value: str) -> date:
    try:
        day = inputs.parse_day(value)
    except ValueError as error:
        raise Http404(str(error)) from None
    if day > timezone.localdate():
        raise Http404("这一天的简报还没有。")
    return day


def _region_or_404(request) -> Region | None:
    code = request.GET.get("region") or ""
    if not code:
        return None
    region = Region.objects.filter(pk=code).first() if re.fullmatch(r"[0-9]{6}", code) else None
    if region is None:
        raise Http404("没有这个行政区划。")
    return region


def archive(request):
    region = _region_or_404(request)
    scope = stats.region_scope(region.code) if region else stats.national()
    last = timezone.localdate() - timedelta(days=1)
    first = last - timedelta(days=ARCHIVE_DAYS - 1)
    query = f"?region={region.code}" if region else ""
    days = [
        {
            "day": point.start,
            "received": point.figures.received,
            "replied": point.figures.replied,
            "url": reverse("web:brief", args=[point.start.isoformat()]) + query,
            "pdf_url": reverse("web:brief-pdf", args=[point.start.isoformat()]) + query,
        }
        for point in reversed(stats.trend(scope, first, last))
    ]
    regions = list(Region.objects.filter(level=RegionLevel.PROVINCE).values_list("code", "name"))
    if region and region.code not in dict(regions):
        regions.append((region.code, region.name))
    staff = is_staff(request.user)
    subscriptions = (
        list(BriefSubscription.objects.filter(user=request.user, active=True).select_related("region"))
        if staff
        else []
    )
    return render(
        request,
        "web/briefs/archive.html",
        {
            "region": region,
            "scope": scope,
            "days": days,
            "regions": regions,
            "staff": staff,
            "subscriptions": subscriptions,
            "subscribed": any(sub.region_id == (region.code if region else None) for sub in subscriptions),
        },
    )


def brief_page(request, day: str):
    day_value = _day_or_404(day)
    region = _region_or_404(request)
    brief = build_brief(day_value, region=region.code if region else None)
    return HttpResponse(render_brief_html(brief, mode="page", request=request))


def brief_pdf(request, day: str):
    day_value = _day_or_404(day)
    region = _region_or_404(request)
    force = bool(request.GET.get("force")) and is_staff(request.user)
    path = cached_brief_pdf(day_value, region.code if region else None, force=force)
    name = f"每日留言简报-{day_value.isoformat()}-{region.name if region else '全国'}.pdf"
    return FileResponse(path.open("rb"), content_type="application/pdf", filename=name)


@login_required
@require_POST
def subscription(request):
    """Subscribe to (or, with `action=unsubscribe`, stop) the brief of `region` (blank: the nation)."""
    code = request.POST.get("region") or None
    if request.POST.get("action") == "unsubscribe":
        unsubscribe_from_brief(request.user, code)
    else:
        try:
            subscribe_to_brief(request.user, code)
        except SubscriptionRefused as error:
            return render(request, "web/workbench/forbidden.html", {"text": error.message}, status=403)
    return redirect(reverse("web:briefs") + (f"?region={code}" if code else ""))
