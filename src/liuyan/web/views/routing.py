"""Desks' auto-assignment settings (自动交办) on the workbench: each desk a dispatcher works at, with the
confidence the system's routing suggestion must reach before it assigns on the desk's behalf."""

from django.contrib import messages
from django.shortcuts import redirect, render

from liuyan import inputs
from liuyan.accounts.actions import set_auto_assign_policy
from liuyan.accounts.selectors import staffed_desks
from liuyan.board.actions.base import ActionError
from liuyan.web import workbench_forms as wf
from liuyan.web.forms import show_action_error
from liuyan.web.views.workbench import forbidden, staff_page


def _form_for(desk, data=None) -> wf.AutoAssignForm:
    policy = getattr(desk, "auto_assign_policy", None)
    initial = {
        "desk_id": desk.pk,
        "enabled": bool(policy and policy.enabled),
        "min_confidence": policy.min_confidence if policy else "0.80",
    }
    return wf.AutoAssignForm(data, initial=initial, auto_id=f"desk{desk.pk}-%s")


@staff_page
def auto_assign(request):
    desks = list(staffed_desks(request.user))
    if not desks:
        return forbidden(request, "只有留言办理工作机构的工作人员可以设置自动交办。")
    forms = {desk.pk: _form_for(desk) for desk in desks}
    status = 200
    if request.method == "POST":
        desk_id = inputs.parse_id(request.POST.get("desk_id", ""))
        if desk_id not in forms:
            return forbidden(request, "只有本机构的工作人员可以设置自动交办。")
        form = wf.AutoAssignForm(request.POST, auto_id=f"desk{desk_id}-%s")
        if form.is_valid():
            data = form.cleaned_data
            try:
                policy = set_auto_assign_policy(
                    request.user,
                    data["desk_id"],
                    enabled=data["enabled"],
                    min_confidence=data["min_confidence"],
                )
            except ActionError as error:
                show_action_error(form, error)
            else:
                state = f"已启用，置信度下限 {policy.min_confidence}" if policy.enabled else "已关闭"
                messages.success(request, f"{policy.desk.name}的自动交办{state}。")
                return redirect("web:workbench-auto-assign")
        forms[desk_id] = form
        status = 422
    rows = [(desk, forms[desk.pk]) for desk in desks]
    return render(request, "web/workbench/auto_assign.html", {"rows": rows}, status=status)
