"""The ministry boards (部委留言板): the central departments one may write to, and a department's page with
its leaders, its desk and its figures, like a region's page."""

from django.http import Http404
from django.shortcuts import render

from liuyan.directory import selectors as directory_selectors
from liuyan.web.presenters import figures


def ministry_index(request):
    departments = directory_selectors.ministries()
    leaders = list(directory_selectors.department_leaders(None))
    for department in departments:
        department.board_leaders = [leader for leader in leaders if leader.department_id == department.pk]
    return render(request, "web/ministries/index.html", {"departments": departments})


def ministry_detail(request, code: str):
    department = directory_selectors.central_department(code)
    if department is None:
        raise Http404("没有这个部委。")
    leaders = list(directory_selectors.department_leaders(department))
    return render(
        request,
        "web/ministries/detail.html",
        {
            "department": department,
            "leaders": leaders,
            "desk": leaders[0].desk if leaders else None,
            "figures": figures.department_figures(department),
            "domains": list(department.domains.all()),
        },
    )
