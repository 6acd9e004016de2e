"""The staff workbench: one entry showing the queues the user's roles give them, a handling page per
message with the actions the user may take on it, and the editors' campaigns.

Every change is a POST that calls one board action and redirects back with a flash message; a refusal
naming a field re-renders the form with the error next to that field and what was typed kept."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.forms.utils import ErrorDict
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from liuyan.accounts.audit import record_access
from liuyan.accounts.choices import AccessKind, Permission, Role
from liuyan.accounts.scope import can, scope_for
from liuyan.accounts.selectors import user_summary
from liuyan.board import lifecycle, selectors
from liuyan.board.actions import campaigns as campaign_actions
from liuyan.board.actions import (
    classification,
    dispatch,
    handling,
    marks,
    moderation,
    oversight,
    replies,
    revisits,
)
from liuyan.board.actions.base import ActionError, Forbidden, NotFound
from liuyan.board.choices import CampaignState, EventKind, MessageState
from liuyan.board.models import Campaign, Message
from liuyan.board.paging import capped_count
from liuyan.directory import selectors as directory_selectors
from liuyan.directory.models import Region
from liuyan.intelligence import similarity
from liuyan.intelligence.analyze import route_message
from liuyan.intelligence.reply_quality import quality_of_reply
from liuyan.web import workbench_forms as wf
from liuyan.web.forms import show_action_error
from liuyan.web.presenters.deadlines import DeadlineClock
from liuyan.web.presenters.figures import workbench_figures
from liuyan.web.presenters.queue_table import queue_table

PER_PAGE = 20
# The joint-reply picker ranks this many of the unit's messages (nearest deadline first) by similarity.
JOINT_REPLY_POOL = 300

# The queues of board.selectors.workbench_queues, grouped by the role that works them, with their labels.
QUEUE_GROUPS = [
    ("审核", [("to_moderate", "待审核留言"), ("replies_to_review", "待审核回复"), ("tracked", "跟踪留言")]),
    (
        "交办",
        [
            ("desk_incoming", "待交办"),
            ("desk_returned", "被退回"),
            ("extensions_pending", "延期申请"),
            ("desk_due_soon", "即将超期"),
            ("desk_overdue", "已超期"),
            ("desk_revisit", "回访"),
            ("desk_follow_ups", "追问待答复"),
        ],
    ),
    (
        "本单位办理",
        [
            ("unit_to_accept", "待受理"),
            ("unit_in_progress", "办理中"),
            ("unit_due_soon", "即将超期"),
            ("unit_overdue", "已超期"),
            ("unit_sent_back", "被退回"),
            ("unit_follow_ups", "追问"),
            ("unit_replied", "已回复"),
        ],
    ),
    ("领导", [("supervised", "督办留言"), ("overdue", "超期留言")]),
]
ALERT_QUEUES = {"desk_overdue", "unit_overdue", "overdue"}
QUEUE_LABELS = {name: label for _group, queues in QUEUE_GROUPS for name, label in queues}
# What a queue's rows explain about it, shown under its heading.
QUEUE_HINTS = {
    "to_moderate": "按提交先后排列。刊发后留言推送到留言办理工作机构；不予刊发须写明理由。",
    "replies_to_review": "回复经审核通过后公开；敷衍、答非所问的回复请退回并写明理由。",
    "tracked": "编辑标记为跟踪督办或报道线索的留言及其办理进度，最近标记的在前；在留言的办理页标记或取消。",
    "desk_incoming": "已刊发、等待交办的留言，按刊发先后排列。",
    "desk_returned": "办理单位退回、需要重新交办的留言。",
    "extensions_pending": "同意后回复时限顺延所申请的工作日。",
    "desk_due_soon": "24 小时内到达受理或回复时限的留言。",
    "desk_overdue": "已过受理或回复时限的留言，可催办或督办。",
    "desk_revisit": "留言人评价不满意（解决程度不高于本地区的回访分数线）的留言，按回复先后排列。"
    "回访后满意即办结；仍不满意的，可重新办理。",
    "desk_follow_ups": "留言人对已回复留言的追问，等待办理单位答复，按答复时限排列。",
    "unit_to_accept": "交办给本单位、等待受理的留言。不属于本单位的请退回或转办。",
    "unit_in_progress": "本单位已受理、正在办理的留言，按回复时限排列。",
    "unit_due_soon": "24 小时内到达时限的留言，请抓紧办理。",
    "unit_overdue": "已过时限的留言。",
    "unit_sent_back": "回复被退回、需要重新答复的留言。",
    "unit_follow_ups": "留言人对本单位已回复留言的追问，按答复时限排列。"
    "请在办理页答复追问，答复经审核后公开。",
    "unit_replied": "已提交回复的留言（含审核中的回复）。",
    "supervised": "辖区内列入督办、仍在办理的留言。",
    "overdue": "辖区内已过时限的留言。",
}


# ---- Access ----------------------------------------------------------------------------------------


def forbidden(request, text: str = "您没有使用工作台的权限。"):
    return render(request, "web/workbench/forbidden.html", {"text": text}, status=403)


def staff_page(view):
    """Signed-in users only (others go to the login page); refusals of the board actions as HTTP errors."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except Forbidden as error:
            return forbidden(request, error.message)

    return wrapped


def safe_next(request) -> str | None:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


# ---- The entry: queues ---------------------------------------------------------------------------------


@staff_page
def index(request, queue: str | None = None):
    now = timezone.now()
    queues = selectors.workbench_queues(request.user, now)
    if not queues:
        return forbidden(request)
    if queue is not None and queue not in queues:
        raise Http404
    # Badges count to 1,000 at most: an editor's or a province's queues hold hundreds of thousands.
    counts = {name: capped_count(rows) for name, rows in queues.items()}
    if queue is None:
        queue = next((name for name in queues if counts[name] != "0"), next(iter(queues)))
    # The queue's table: its filters, sort and page from the URL, the rows of the page and the bulk toolbar.
    table = queue_table(request.user, queue, queues[queue], request.GET, now)
    groups = [
        (
            title,
            [
                (name, label, counts[name], name in ALERT_QUEUES and counts[name] != "0")
                for name, label in members
                if name in queues
            ],
        )
        for title, members in QUEUE_GROUPS
    ]
    figures = (
        workbench_figures(request.user, overdue=counts["overdue"], supervised=counts["supervised"])
        if "supervised" in queues
        else None
    )
    context = {
        "groups": [(title, members) for title, members in groups if members],
        "queue": queue,
        "queue_label": QUEUE_LABELS[queue],
        "queue_hint": QUEUE_HINTS[queue],
        "kind": queues[queue].model._meta.model_name,
        "count": counts[queue],
        **table,
        "here": request.get_full_path(),
        "roles": [
            ((r["unit"] or r["region"] or {}).get("name", ""), Role(r["role"]).label)
            for r in user_summary(request.user)["roles"]
        ],
        "figures": figures,
        "editor": "to_moderate" in queues,
        "desk": "desk_incoming" in queues,
        "access_log": not scope_for(request.user, Permission.REVIEW_ACCESS).empty,
    }
    return render(request, "web/workbench/index.html", context)


# ---- The handling page of one message ------------------------------------------------------------------


@dataclass(frozen=True)
class WorkbenchAction:
    """A form on the handling page, the board action it calls and what the flash says when it is done."""

    form: type[forms.Form]
    run: Callable[[object, int, dict], object]
    done: Callable[[object, dict], str]
    # The user may lose sight of the message (it leaves their unit): go back to the queue afterwards.
    leaves: bool = False


def _reply(user, pk: int, data: dict):
    if data["accept_first"]:
        return replies.accept_and_submit_reply(user, pk, data["body"], data["also_message_ids"])
    return replies.submit_reply(user, pk, data["body"], data["also_message_ids"])


def _reply_done(reply, data) -> str:
    joint = len(data["also_message_ids"])
    done = f"回复已提交审核，同时答复另外 {joint} 条留言。" if joint else "回复已提交审核。"
    return f"已受理留言，{done}" if data["accept_first"] else done


def _revisit_done(revisit, data) -> str:
    said = f"回访已记录：{revisit.get_method_display()}回访，留言人表示{revisit.get_outcome_display()}。"
    if revisits.closed_by(revisit):
        return f"{said}留言已办结。"
    return said


ACTIONS: dict[str, WorkbenchAction] = {
    "publish": WorkbenchAction(
        wf.ConfirmForm,
        lambda user, pk, data: moderation.publish_message(user, pk),
        lambda m, data: f"留言 {m.serial} 已刊发，已推送到{m.desk.name}。",
    ),
    "reject": WorkbenchAction(
        wf.RejectForm,
        lambda user, pk, data: moderation.reject_message(user, pk, data["reason"]),
        lambda m, data: f"留言 {m.serial} 未予刊发，留言人会收到理由。",
    ),
    "hide": WorkbenchAction(
        wf.HideForm,
        lambda user, pk, data: moderation.hide_message(user, pk, data["reason"]),
        lambda m, data: f"留言 {m.serial} 已隐藏，不再公开显示。",
    ),
    "unhide": WorkbenchAction(
        wf.ConfirmForm,
        lambda user, pk, data: moderation.unhide_message(user, pk),
        lambda m, data: f"留言 {m.serial} 已取消隐藏。",
    ),
    "approve-reply": WorkbenchAction(
        wf.ReplyDecisionForm,
        lambda user, pk, data: replies.approve_reply(user, data["reply_id"]),
        lambda reply, data: f"{reply.unit.name}的回复已审核通过并公开。",
    ),
    "send-back-reply": WorkbenchAction(
        wf.SendBackReplyForm,
        lambda user, pk, data: replies.send_back_reply(user, data["reply_id"], data["reason"]),
        lambda reply, data: f"回复已退回{reply.unit.name}重新答复。",
    ),
    "assign": WorkbenchAction(
        wf.AssignForm,
        lambda user, pk, data: dispatch.assign_message(
            user, pk, data["unit_id"], data["note"], data["urgent"]
        ),
        lambda m, data: f"留言 {m.serial} 已交办给{m.unit.name}。",
    ),
    "decide-extension": WorkbenchAction(
        wf.ExtensionDecisionForm,
        lambda user, pk, data: handling.decide_extension(
            user, data["extension_id"], data["decision"] == "approve", data["note"]
        ),
        lambda e, data: (
            f"已同意延期 {e.days} 个工作日。" if data["decision"] == "approve" else "已不同意延期。"
        ),
    ),
    "remind": WorkbenchAction(
        wf.RemindForm,
        lambda user, pk, data: oversight.remind_message(user, pk, data["note"]),
        lambda m, data: f"已催办留言 {m.serial}（第 {m.remind_count} 次）。",
    ),
    "supervise": WorkbenchAction(
        wf.SuperviseForm,
        lambda user, pk, data: oversight.supervise_message(user, pk, data["note"]),
        lambda m, data: f"留言 {m.serial} 已列入督办。",
    ),
    "accept": WorkbenchAction(
        wf.ConfirmForm,
        lambda user, pk, data: handling.accept_message(user, pk),
        lambda m, data: f"已受理留言 {m.serial}，请在回复时限内答复。",
    ),
    "transfer": WorkbenchAction(
        wf.TransferForm,
        lambda user, pk, data: dispatch.transfer_message(user, pk, data["unit_id"], data["note"]),
        lambda m, data: f"留言 {m.serial} 已转办给{m.unit.name}。",
        leaves=True,
    ),
    "return": WorkbenchAction(
        wf.ReturnForm,
        lambda user, pk, data: dispatch.return_message(user, pk, data["reason"]),
        lambda m, data: f"留言 {m.serial} 已退回{m.desk.name}。",
        leaves=True,
    ),
    "request-extension": WorkbenchAction(
        wf.ExtensionRequestForm,
        lambda user, pk, data: handling.request_extension(user, pk, data["days"], data["reason"]),
        lambda e, data: f"已申请延期 {e.days} 个工作日，等待留言办理工作机构审批。",
    ),
    "reply": WorkbenchAction(wf.ReplyForm, _reply, _reply_done),
    "instruct": WorkbenchAction(
        wf.InstructForm,
        lambda user, pk, data: oversight.instruct_message(user, pk, data["text"]),
        lambda instruction, data: "批示已发送给留言办理工作机构和办理单位。",
    ),
    "mark": WorkbenchAction(
        wf.MarkForm,
        lambda user, pk, data: marks.mark_message(user, pk, data["kind"], data["note"]),
        lambda mark, data: f"已将留言标记为{mark.get_kind_display()}，可在“跟踪留言”中查看进度。",
    ),
    "unmark": WorkbenchAction(
        wf.UnmarkForm,
        lambda user, pk, data: marks.unmark_message(user, pk, data["kind"]),
        lambda mark, data: f"已取消{mark.get_kind_display()}标记。",
    ),
    "reclassify": WorkbenchAction(
        wf.ReclassifyForm,
        lambda user, pk, data: classification.reclassify_message(
            user, pk, data["domain"], data["message_type"], data["note"]
        ),
        lambda m, data: f"留言 {m.serial} 的领域和类型已改为{m.domain.name}、{m.message_type.name}。",
    ),
    "revisit": WorkbenchAction(
        wf.RevisitForm,
        lambda user, pk, data: revisits.record_revisit(
            user, pk, data["method"], data["at"], data["summary"], data["outcome"]
        ),
        _revisit_done,
    ),
    "reopen": WorkbenchAction(
        wf.ReopenForm,
        lambda user, pk, data: revisits.reopen_message(user, pk, data["reason"]),
        lambda m, data: f"留言 {m.serial} 已交{m.unit.name}重新办理，列入督办。",
    ),
    # Offered by the page's similar messages (「相似留言」), one button per candidate it may merge into.
    "merge": WorkbenchAction(
        wf.MergeForm,
        lambda user, pk, data: dispatch.merge_messages(user, pk, data["into_id"]),
        lambda m, data: f"留言 {m.serial} 已并入留言 {m.merged_into.serial}，随其一并答复。",
    ),
}
# Each is a step of the lifecycle table, by its slug (board/lifecycle.py), which also says when it is allowed.
assert set(ACTIONS) <= {step.slug for step in lifecycle.routed()}, "a workbench form for no lifecycle step"
# The order in which the handling page offers the actions.
ACTION_ORDER = list(ACTIONS)


def action_form(name: str, data=None, **kwargs) -> forms.Form:
    # Several forms share field names on one page: prefix their element ids with the action's name.
    return ACTIONS[name].form(data, auto_id=f"{name}-%s", **kwargs)


def unit_groups(units) -> list[tuple[str, list[tuple[int, str]]]]:
    """(region, units) option groups for a <select>; the units come sorted by region."""
    return [
        (str(region) if region else "中央部门", [(u.pk, u.name) for u in members])
        for region, members in groupby(units, key=lambda u: u.region)
    ]


def unit_picker(user, message: Message, purpose: str, query: str) -> dict:
    candidates = (
        selectors.assign_candidates(user)
        if purpose == "assign"
        else selectors.transfer_candidates(user, message)
    )
    # A ministry's desk (no region) offers its own department first.
    own = message.desk.parent_id if message.desk.region_id is None else None
    units, more = selectors.unit_choices(candidates, near=message.region, query=query, first=own)
    return {"groups": unit_groups(units), "more": more, "query": query, "count": len(units)}


def render_message_page(request, message: Message, bound: tuple[str, forms.Form] | None = None, status=200):
    # The page shows the citizen's contact details and unmasked text: each showing is recorded.
    record_access(request, AccessKind.MESSAGE, message=message)
    record = selectors.handling_record(message)
    allowed = selectors.workbench_actions(request.user, message, record)
    if "accept" in allowed:
        # 受理并回复: the reply form of a message awaiting acceptance accepts it first (two events).
        allowed |= {"reply"}
    names = [name for name in ACTION_ORDER if name in allowed or (bound and bound[0] == name)]
    action_forms = {name: action_form(name) for name in names}
    if bound:
        action_forms[bound[0]] = bound[1]
    reply_in_review, pending = record.reply_in_review, record.pending_extension
    for name in ("approve-reply", "send-back-reply"):
        if name in action_forms and reply_in_review and not action_forms[name].is_bound:
            action_forms[name].initial["reply_id"] = reply_in_review.pk
    if "reply" in action_forms and not action_forms["reply"].is_bound:
        action_forms["reply"].initial["accept_first"] = message.state == MessageState.ASSIGNED
    if "mark" in action_forms and not action_forms["mark"].is_bound:
        # Offer the kinds of mark the message does not carry yet (the action refuses a second one anyway).
        carried = {mark.kind for mark in record.open_marks}
        kind = action_forms["mark"].fields["kind"]
        kind.choices = [(value, label) for value, label in kind.choices if value not in carried]
    if "reclassify" in action_forms and not action_forms["reclassify"].is_bound:
        action_forms["reclassify"].initial.update(
            domain=message.domain_id, message_type=message.message_type.code
        )
    if "decide-extension" in action_forms and pending and not action_forms["decide-extension"].is_bound:
        action_forms["decide-extension"].initial["extension_id"] = pending.pk
    pickers = {}
    for name in ("assign", "transfer"):
        if name in action_forms:
            form = action_forms[name]
            query = (form.data.get("unit_q") if form.is_bound else request.GET.get("unit_q")) or ""
            pickers[name] = unit_picker(request.user, message, name, query.strip()[:60])
            form.set_units(pickers[name]["groups"])
            if not form.is_bound:
                form.initial.update(unit_q=pickers[name]["query"], urgent=message.urgent)
    joint = None
    if "reply" in action_forms:
        # The unit's messages nearest their deadline, most similar to this one first: one reply for the same
        # question is what a joint reply is for.
        candidates, more = selectors.joint_reply_candidates(message, limit=JOINT_REPLY_POOL)
        ranked = similarity.rank_by_similarity(message, candidates)[: selectors.JOINT_REPLY_LIMIT]
        action_forms["reply"].set_joint_candidates(ranked)
        joint = {"count": len(ranked), "more": more or len(candidates) > len(ranked)}
    clock = DeadlineClock([message.accept_deadline, message.reply_deadline])
    running = selectors.running_deadline(message)
    # Back at the desk after a return: the last assignment's time and deadlines are history, not news.
    returned = (
        next((e for e in reversed(record.events) if e.kind == EventKind.RETURNED), None)
        if message.state == MessageState.PUBLISHED and message.unit_id is None
        else None
    )
    context = {
        "message": message,
        "record": record,
        # Template lookups cannot contain "-": send-back-reply is forms.send_back_reply there.
        "forms": {name.replace("-", "_"): form for name, form in action_forms.items()},
        "pickers": pickers,
        "joint": joint,
        "returned": returned,
        "accept_status": None if returned else clock.status(message.accept_deadline),
        "reply_status": None if returned else clock.status(message.reply_deadline),
        "running": "" if running is None else "accept" if message.state == MessageState.ASSIGNED else "reply",
        "reply_in_review": reply_in_review,
        "reply_quality": quality_of_reply(reply_in_review) if reply_in_review else None,
        "pending_extension": pending,
    }
    # 相似留言: in the user's scope, with whether this message may be merged into each (three queries).
    context["similar"] = [
        (hit, similarity.may_merge(request.user, message, hit.message))
        for hit in similarity.similar_for_staff(request.user, message)
    ]
    # 系统建议: the routing catalogue's units for this message, those the desk may assign to.
    context["routing"] = (
        [s for s in route_message(message) if can(request.user, Permission.ASSIGN, s.unit)]
        if "assign" in action_forms
        else []
    )
    return render(request, "web/workbench/message.html", context, status=status)


@staff_page
def message_page(request, message_id: int):
    message = selectors.workbench_message(request.user, message_id)
    if message is None:
        raise Http404
    return render_message_page(request, message)


@require_POST
@staff_page
def message_action(request, message_id: int, action: str):
    spec = ACTIONS[action]
    form = action_form(action, request.POST)
    status = 422
    if form.is_valid():
        try:
            result = spec.run(request.user, message_id, form.cleaned_data)
        except Forbidden as error:
            # A public message is visible to everyone, so the action says "not allowed"; on the workbench a
            # message outside the user's scope looks missing, as its page does.
            if selectors.workbench_message(request.user, message_id) is None:
                raise Http404 from None
            if not any(field in form.fields for field in error.errors):
                raise
            # A refused choice (a unit outside the place one may transfer to) is shown next to its field.
            show_action_error(form, error)
            status = 403
        except NotFound:
            raise
        except ActionError as error:
            if not any(field in form.fields for field in error.errors):
                messages.error(request, error.message)
                return redirect(safe_next(request) or reverse("web:workbench-message", args=[message_id]))
            show_action_error(form, error)
        else:
            messages.success(request, spec.done(result, form.cleaned_data))
            if spec.leaves:
                return redirect("web:workbench")
            return redirect(safe_next(request) or reverse("web:workbench-message", args=[message_id]))
    message = selectors.workbench_message(request.user, message_id)
    if message is None:
        raise Http404
    return render_message_page(request, message, bound=(action, form), status=status)


@staff_page
def unit_options(request, message_id: int, purpose: str):
    """The <option>s of a unit picker narrowed by `unit_q`: the script of the page fetches them as the
    user types; without it the same filter works by reloading the page."""
    message = selectors.workbench_message(request.user, message_id)
    if message is None:
        raise Http404
    picker = unit_picker(request.user, message, purpose, request.GET.get("unit_q", "").strip()[:60])
    return render(request, "web/workbench/_unit_options.html", {"picker": picker})


# ---- Campaigns (editors) -------------------------------------------------------------------------------


@staff_page
def campaigns(request):
    if not selectors.is_editor(request.user):
        return forbidden(request, "只有编辑可以管理专栏。")
    page = Paginator(selectors.editor_campaigns(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/workbench/campaigns.html", {"page": page, "now": timezone.now()})


def _campaign_terms(data) -> dict:
    return {
        "title": data["title"],
        "description": data["description"],
        "opens_at": data["opens_at"],
        "closes_at": data["closes_at"],
        "region_codes": data["region_codes"],
        "type_codes": data["type_codes"],
        "urgent_hours": data["urgent_hours"],
    }


def _region_picker(form: wf.CampaignForm, chosen: list[str]) -> dict:
    """The picker's places: those chosen (ticked), then those found by the typed name (unticked)."""
    query = (form.data.get("region_q") or "").strip()[:40] if form.is_bound else ""
    found, more = directory_selectors.find_regions(query) if query else ([], False)
    picked = list(Region.objects.filter(pk__in=chosen).order_by("path"))
    labels = directory_selectors.region_labels([*picked, *found])
    return {
        "chosen": [(r.code, labels[r.code]) for r in picked],
        "found": [(r.code, labels[r.code]) for r in found if r.code not in set(chosen)],
        "query": query,
        "more": more,
        "searched": bool(query),
    }


def _chosen_codes(form: wf.CampaignForm) -> list[str]:
    """The codes the form holds now (ticked or typed), well-formed ones only, for the picker to show."""
    if not form.is_bound:
        return list(form.initial.get("regions", []))
    values = [*form.data.getlist("regions"), *re.split(r"[\s,，、]+", form.data.get("region_codes", ""))]
    return sorted({v for v in values if re.fullmatch(r"[0-9]{6}", v or "")})


def _form_status(request, form: forms.Form) -> int:
    return 422 if "find_regions" not in request.POST and form.is_bound and form.errors else 200


def _campaign_form_page(request, form: wf.CampaignForm, campaign: Campaign | None, status: int = 200):
    if "find_regions" in request.POST:
        # Finding places is not saving: the form comes back as typed, without complaints about the rest.
        form._errors, status = ErrorDict(), 200
    context = {
        "form": form,
        "campaign": campaign,
        "picker": _region_picker(form, _chosen_codes(form)),
        "changes": list(campaign.changes.select_related("actor").order_by("-created_at", "-id")[:50])
        if campaign
        else [],
    }
    return render(request, "web/workbench/campaign_form.html", context, status=status)


@staff_page
def campaign_new(request):
    if not selectors.is_editor(request.user):
        return forbidden(request, "只有编辑可以管理专栏。")
    form = wf.CampaignForm(request.POST or None, auto_id="campaign-%s")
    if request.method == "POST" and "find_regions" not in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaign_actions.create_campaign(
                request.user, slug=data["slug"], state=data["state"], **_campaign_terms(data)
            )
        except (NotFound, Forbidden):
            raise
        except ActionError as error:
            show_action_error(form, error)
        else:
            messages.success(request, f"专栏“{campaign.title}”已创建。")
            return redirect("web:workbench-campaigns")
    return _campaign_form_page(request, form, None, status=_form_status(request, form))


@staff_page
def campaign_edit(request, slug: str):
    """Edit a campaign's window, places, types and urgent rule; its change history below the form."""
    if not selectors.is_editor(request.user):
        return forbidden(request, "只有编辑可以管理专栏。")
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise Http404
    initial = {
        "title": campaign.title,
        "description": campaign.description,
        "opens_at": timezone.localtime(campaign.opens_at),
        "closes_at": timezone.localtime(campaign.closes_at),
        "regions": sorted(campaign.regions.values_list("code", flat=True)),
        "type_codes": list(campaign.allowed_types.values_list("code", flat=True)),
        "urgent_hours": campaign.urgent_hours,
    }
    form = wf.CampaignForm(request.POST or None, initial=initial, editing=True, auto_id="campaign-%s")
    if request.method == "POST" and "find_regions" not in request.POST and form.is_valid():
        try:
            change = campaign_actions.update_campaign(
                request.user, slug, **_campaign_terms(form.cleaned_data)
            )
        except (NotFound, Forbidden):
            raise
        except ActionError as error:
            show_action_error(form, error)
        else:
            if change is None:
                messages.info(request, "没有需要保存的修改。")
            else:
                messages.success(request, f"专栏“{change.campaign.title}”已保存：{change.note}。")
            return redirect("web:workbench-campaigns")
    return _campaign_form_page(request, form, campaign, status=_form_status(request, form))


@staff_page
def campaign_regions(request):
    """The region picker's places found by name (`region_q`), as checkboxes: the campaign form's script
    fetches them as the editor types; without it the form's 查找 button does the same."""
    if not selectors.is_editor(request.user):
        return forbidden(request, "只有编辑可以管理专栏。")
    query = (request.GET.get("region_q") or "").strip()[:40]
    found, more = directory_selectors.find_regions(query) if query else ([], False)
    labels = directory_selectors.region_labels(found)
    picker = {
        "found": [(r.code, labels[r.code]) for r in found],
        "query": query,
        "more": more,
        "searched": True,
    }
    return render(request, "web/workbench/_region_options.html", {"picker": picker})


@require_POST
@staff_page
def campaign_state(request, slug: str):
    form = wf.CampaignStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "专栏状态无效。")
        return redirect("web:workbench-campaigns")
    state = form.cleaned_data["state"]
    if state == CampaignState.CLOSED and not form.cleaned_data["confirmed"]:
        # Ending a campaign stops its intake at once: a second step asks first (no script needed).
        if not selectors.is_editor(request.user):
            return forbidden(request, "只有编辑可以管理专栏。")
        campaign = Campaign.objects.filter(slug=slug).annotate(message_count=Count("messages")).first()
        if campaign is None:
            raise Http404
        return render(
            request, "web/workbench/campaign_close.html", {"campaign": campaign, "next": safe_next(request)}
        )
    try:
        campaign = campaign_actions.set_campaign_state(request.user, slug, state)
    except (NotFound, Forbidden):
        raise
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"专栏“{campaign.title}”已设为“{campaign.get_state_display()}”。")
    return redirect(safe_next(request) or reverse("web:workbench-campaigns"))
