from django.urls import path, re_path

from liuyan.board import lifecycle
from liuyan.web.views import access_log, bulk, exports, routing, workbench

urlpatterns = [
    path("", workbench.index, name="workbench"),
    path("queues/<slug:queue>/", workbench.index, name="workbench-queue"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", exports.staff_export, name="workbench-export"),
    re_path(
        r"^queues/(?P<queue>[-\w]+)/export\.(?P<fmt>csv|xlsx)$",
        exports.queue_export,
        name="workbench-queue-export",
    ),
    path("messages/<int:message_id>/", workbench.message_page, name="workbench-message"),
    re_path(
        r"^messages/(?P<message_id>[0-9]+)/units/(?P<purpose>assign|transfer)/$",
        workbench.unit_options,
        name="workbench-unit-options",
    ),
    # One POST route per lifecycle step the handling page has a form for, by the step's slug
    # (board/lifecycle.py), e.g. /workbench/messages/7/assign/ named workbench-assign.
    *[
        path(
            f"messages/<int:message_id>/{step.slug}/",
            workbench.message_action,
            {"action": step.slug},
            name=f"workbench-{step.slug}",
        )
        for step in lifecycle.routed()
        if step.slug in workbench.ACTIONS
    ],
    path("bulk/", bulk.bulk, name="workbench-bulk"),
    path("auto-assign/", routing.auto_assign, name="workbench-auto-assign"),
    path("access-log/", access_log.access_log, name="workbench-access-log"),
    path("access-log/export.csv", access_log.access_log_csv, name="workbench-access-log-csv"),
    path("campaigns/", workbench.campaigns, name="workbench-campaigns"),
    path("campaigns/new/", workbench.campaign_new, name="workbench-campaign-new"),
    path("campaigns/regions/", workbench.campaign_regions, name="workbench-campaign-regions"),
    path("campaigns/<slug:slug>/edit/", workbench.campaign_edit, name="workbench-campaign-edit"),
    path("campaigns/<slug:slug>/state/", workbench.campaign_state, name="workbench-campaign-state"),
]
