"""Public pages: the home page and the region browser."""

from django.http import Http404
from django.shortcuts import render

from liuyan.directory import selectors
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Leader, Region, Unit


def home(request):
    provinces = selectors.regions_under(None)
    figures = {
        "regions": Region.objects.count(),
        "leaders": Leader.objects.filter(active=True).count(),
        "units": Unit.objects.filter(active=True).count(),
    }
    return render(request, "web/home.html", {"provinces": provinces, "figures": figures})


def region_index(request):
    return render(request, "web/region_index.html", {"provinces": selectors.regions_under(None)})


def region_detail(request, code: str):
    try:
        region = Region.objects.get(pk=code)
    except Region.DoesNotExist:
        raise Http404("没有这个行政区划。") from None
    units = selectors.active_units(region)
    return render(
        request,
        "web/region_detail.html",
        {
            "region": region,
            "path": region.ancestors_and_self(),
            "children": selectors.regions_under(region),
            "child_label": "下辖区县" if region.level == RegionLevel.PREFECTURE else "下辖地区",
            "leaders": selectors.active_leaders(region),
            "desk": next((u for u in units if u.kind == UnitKind.DISPATCH_DESK), None),
            "organs": [u for u in units if u.kind in (UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT)],
            "departments": [u for u in units if u.kind == UnitKind.DEPARTMENT],
        },
    )
