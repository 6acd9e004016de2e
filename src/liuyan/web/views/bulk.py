"""Bulk actions from a queue's table (批量操作): the ticked rows go through the same board action as one by
one (api/bulk.py and board/actions/bulk.py); the summary of what was done and what was refused, and why,
is shown after a redirect, so that reloading it never runs the action again. A single row (a row's own
button) goes straight back to the queue, its result in the flash."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from liuyan.api.bulk import run_bulk_action
from liuyan.board import selectors
from liuyan.board.actions.base import ActionError
from liuyan.board.actions.bulk import BULK_ACTIONS
from liuyan.board.visibility import visible_messages
from liuyan.web.forms import TextField
from liuyan.web.views.workbench import forbidden, safe_next, staff_page
from liuyan.web.workbench_forms import IdField, IdListField

# The session key of the last summary: shown by GET, replaced by the next bulk action.
SUMMARY_KEY = "workbench_bulk_summary"


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(name, action.label) for name, action in BULK_ACTIONS.items()],
        error_messages={"required": "请选择批量操作。", "invalid_choice": "请选择有效的批量操作。"},
    )
    ids = IdListField(error_messages={"invalid": "所选的编号无效，请刷新页面后重新勾选。"})
    unit_id = IdField(required=False, error_messages={"invalid": "请选择有效的办理单位。"})
    reason = TextField(
        required=False, max_length=500, error_messages={"max_length": "隐藏理由不能超过 500 个字。"}
    )
    note = TextField(required=False, max_length=500, error_messages={"max_length": "说明不能超过 500 个字。"})


@require_http_methods(["GET", "POST"])
@staff_page
def bulk(request):
    if not selectors.workbench_queues(request.user):
        return forbidden(request)
    if request.method == "GET":
        summary = request.session.get(SUMMARY_KEY)
        if summary is None:
            return redirect("web:workbench")
        return render(request, "web/workbench/bulk_result.html", summary)
    back = safe_next(request) or reverse("web:workbench")
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect(back)
    data = form.cleaned_data
    if not data["ids"]:
        what = "回复" if data["action"] == "approve-reply" else "留言"
        messages.error(request, f"请先勾选要{BULK_ACTIONS[data['action']].label}的{what}。")
        return redirect(back)
    try:
        results = run_bulk_action(
            request.user,
            data["action"],
            data["ids"],
            unit_id=data["unit_id"],
            note=data["note"],
            reason=data["reason"],
        )
    except ActionError as error:
        messages.error(request, error.message)
        return redirect(back)
    done = [r for r in results if r.done]
    refused = [r for r in results if not r.done]
    level = messages.SUCCESS if not refused else messages.WARNING
    totals = f"已完成 {len(done)} 条，未完成 {len(refused)} 条。"
    action = BULK_ACTIONS[data["action"]]
    if len(results) == 1:
        # A row's own button (刊发, 交办给建议单位): the flash says it all, back to the queue without a page.
        row = results[0]
        what = f"回复（留言 {row.serial}）" if action.on_replies else f"留言 {row.serial}"
        messages.add_message(request, level, f"{totals}{what if row.serial else '该条'}：{row.message}")
        return redirect(back)
    messages.add_message(request, level, totals)
    # The titles of the messages the user may see (those with a serial), to tell the rows apart.
    shown = [r.id for r in results if r.serial and not action.on_replies]
    titles = dict(visible_messages(request.user).filter(pk__in=shown).values_list("pk", "title"))
    request.session[SUMMARY_KEY] = {
        "label": action.label,
        "on_replies": action.on_replies,
        "done": [_row(r, titles) for r in done],
        "refused": [_row(r, titles) for r in refused],
        "next": back,
    }
    return redirect("web:workbench-bulk")


def _row(result, titles: dict[int, str]) -> dict:
    return {
        "id": result.id,
        "serial": result.serial,
        "title": titles.get(result.id, ""),
        "message": result.message,
    }
