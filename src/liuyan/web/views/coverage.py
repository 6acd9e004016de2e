"""The coverage page (/stats/coverage/, 入驻情况): for each level and each province, the share of places on
the board and, of those, the share that answered lately (reports/coverage.py)."""

from django.shortcuts import render

from liuyan.reports.coverage import REPLY_WINDOW_DAYS, coverage
from liuyan.web.presenters.coverage import Cell, coverage_map


def coverage_page(request):
    figures = coverage()
    return render(
        request,
        "web/stats/coverage.html",
        {
            "coverage": figures,
            "days": REPLY_WINDOW_DAYS,
            "levels": [Cell(row) for row in figures.levels],
            "level_labels": [row.label for row in figures.levels],
            "provinces": [(place, [Cell(row) for row in place.levels]) for place in figures.provinces],
            "map": coverage_map(figures),
        },
    )
