"""A citizen's pages: posting, their messages and notifications, and their actions on a message."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from liuyan import inputs
from liuyan.api.throttles import SubmitThrottle
from liuyan.board import lifecycle, selectors
from liuyan.board.actions import feedback, submission
from liuyan.board.actions.base import ActionError, Invalid
from liuyan.board.choices import CampaignState, MessageState
from liuyan.board.models import Campaign
from liuyan.board.paging import CappedPaginator
from liuyan.directory.selectors import sla_terms
from liuyan.intelligence import similarity
from liuyan.notify import actions as notify_actions
from liuyan.notify.choices import NotificationKind
from liuyan.notify.selectors import inbox
from liuyan.web.forms import FollowUpForm, PostMessageForm, RatingForm, show_action_error
from liuyan.web.views import public

PAGE_SIZE = 20

# The steps a citizen follows on "my messages", and the step each state waits on (past the last: done).
PROGRESS_STEPS = ["提交", "审核刊发", "交办", "办理", "回复", "评价"]
PROGRESS_OF_STATE = {
    MessageState.PENDING_REVIEW: 2,
    MessageState.PUBLISHED: 3,
    MessageState.ASSIGNED: 4,
    MessageState.IN_PROGRESS: 4,
    MessageState.REPLY_REVIEW: 5,
    MessageState.REPLIED: 6,
    MessageState.CLOSED: 7,
}
# The tabs of "my messages": a name, its label and the states it shows.
MY_TABS = [
    ("all", "全部", None),
    ("review", "待审核", [MessageState.PENDING_REVIEW]),
    (
        "handling",
        "办理中",
        [MessageState.PUBLISHED, MessageState.ASSIGNED, MessageState.IN_PROGRESS, MessageState.REPLY_REVIEW],
    ),
    ("replied", "已回复", [MessageState.REPLIED, MessageState.CLOSED]),
    ("ended", "未刊发", [MessageState.REJECTED, MessageState.WITHDRAWN]),
]


def _page(request, queryset, paginator=Paginator):
    return paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _open_campaign_or_404(slug: str) -> Campaign:
    if not slug_re.match(slug):  # no campaign has such an identifier (and NUL never reaches the database)
        raise Http404("没有这个专栏。")
    return get_object_or_404(
        Campaign.objects.prefetch_related("regions", "allowed_types").exclude(state=CampaignState.DRAFT),
        slug=slug,
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_message(request):
    if request.method == "GET" and "submitted" in request.GET:
        return _submitted(request)
    slug = (request.POST if request.method == "POST" else request.GET).get("campaign", "")
    campaign = _open_campaign_or_404(slug) if slug else None
    status = 200
    if request.method == "GET":
        form = PostMessageForm(initial=PostMessageForm.initial_for(request.GET, campaign), campaign=campaign)
    elif request.POST.get("step") in ("place", "similar", "find") or "pick_place" in request.POST:
        # Without JavaScript the place is chosen one level at a time or found by its name, and similar
        # messages are looked up by a button: show the form again, as typed.
        form = PostMessageForm(initial=PostMessageForm.initial_from_post(request.POST), campaign=campaign)
    else:
        form = PostMessageForm(request.POST, request.FILES, campaign=campaign)
        if not form.is_valid():
            status = 422
        elif not SubmitThrottle().allow_request(request):
            form.add_error(None, "提交过于频繁，请稍后再试。您填写的内容已保留。")
            status = 429
        else:
            data = form.cleaned_data
            try:
                message = submission.submit_message(
                    request.user,
                    leader_id=data["leader_id"],
                    message_type=data["type"],
                    domain=data["domain"],
                    title=data["title"],
                    body=data["body"],
                    region_code=form.region_code,
                    campaign_slug=campaign.slug if campaign else None,
                    public=data["public"],
                    anonymous=data["anonymous"],
                    contact_phone=data["contact_phone"],
                    files=request.FILES.getlist("files"),
                )
            except ActionError as error:
                form.show_action_error(error)
                status = error.status
            else:
                return redirect(f"{reverse('web:post')}?submitted={message.id}")
    # 类似留言及其回复, server-rendered whenever the form comes back (the script fills it as one types).
    similar = None
    if request.method == "POST":
        hits = similarity.similar_public(request.POST.get("title", ""), request.POST.get("body", ""))
        similar = [similarity.public_payload(hit) for hit in hits]
    context = {"form": form, "campaign": form.campaign, "similar": similar}
    return render(request, "web/citizen/post.html", context, status=status)


def _submitted(request):
    """The confirmation after posting: the serial number and what happens next."""
    message_id = inputs.parse_id(request.GET["submitted"])
    if message_id is None:
        raise Http404
    message = get_object_or_404(selectors.messages_of_author(request.user), pk=message_id)
    terms = sla_terms(message.region, message.message_type)
    return render(request, "web/citizen/submitted.html", {"message": message, "terms": terms})


@login_required
def my_messages(request):
    tab = next((t for t in MY_TABS if t[0] == request.GET.get("tab")), MY_TABS[0])
    own = selectors.for_page(selectors.messages_of_author(request.user), (*selectors.ROW_RELATED, "campaign"))
    if tab[2] is not None:
        own = own.filter(state__in=tab[2])
    page = _page(request, own, CappedPaginator)
    for message in page:
        message.progress = PROGRESS_OF_STATE.get(message.state, 0)
    return render(
        request,
        "web/citizen/my_messages.html",
        {
            "page": page,
            "tabs": MY_TABS,
            "tab": tab[0],
            "tab_query": "" if tab is MY_TABS[0] else f"tab={tab[0]}",
            "steps": PROGRESS_STEPS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    if request.method == "POST":
        one = request.POST.get("id")  # one notice, or all of them when absent
        ids = None if one is None else [number] if (number := inputs.parse_id(one)) else []
        marked = notify_actions.mark_read(request.user, ids)
        if one is None:
            messages.success(request, f"已将 {marked} 条通知标为已读。" if marked else "没有未读通知。")
        page = request.POST.get("page", "")
        return redirect(reverse("web:notifications") + (f"?page={page}" if inputs.parse_id(page) else ""))
    page = _page(request, inbox(request.user))
    labels = dict(NotificationKind.choices)
    for notice in page:
        notice.kind_label = labels.get(notice.kind, "通知")
    return render(request, "web/citizen/notifications.html", {"page": page})


def _message_action(view: Callable) -> Callable:
    """A citizen's POST on a message: POST only (405 otherwise); a visitor signs in first and comes back
    to the message. The view returns its success notice, flashed on the message page, or a page of its
    own; an action's refusal is flashed there too, except that a missing or invisible message answers
    404 and a message the user may see but not act on answers 403."""

    @wraps(view)
    def wrapper(request, message_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        back = reverse("web:message-detail", args=[message_id])
        if not request.user.is_authenticated:
            return redirect_to_login(back)
        try:
            outcome = view(request, message_id)
        except ActionError as error:
            if error.status == 404:
                raise Http404(error.message) from None
            if error.status == 403:
                return render(request, "web/citizen/refused.html", {"reason": error.message}, status=403)
            messages.error(request, error.message)
            return redirect(back)
        if isinstance(outcome, HttpResponse):
            return outcome
        messages.success(request, outcome)
        return redirect(back)

    return wrapper


def _form_again(request, message_id: int, error: Invalid, **form) -> HttpResponse:
    """The message page again with the citizen's form (`rating_form=` or `follow_up_form=`), its errors
    next to its fields and what was typed in it."""
    (bound,) = form.values()
    if not bound.errors:  # the form's own errors already say what the action says
        show_action_error(bound, error)
    return public.message_page(request, message_id, status=error.status, **form)


@_message_action
def support(request, message_id: int) -> str:
    message = submission.support_message(request.user, message_id)
    return f"点赞成功，这条留言已获 {message.support_count} 个赞。"


@_message_action
def rate(request, message_id: int) -> str | HttpResponse:
    form = RatingForm(request.POST)
    form.is_valid()
    # A missing score is passed on as None: the action reports it after checking that this user may
    # rate this message now (an illegal state is flashed rather than shown on a form).
    scores = {name: form.cleaned_data.get(name) for name in ("resolution", "attitude", "speed")}
    comment = request.POST.get("comment", "")
    try:
        rating = feedback.rate_message(request.user, message_id, comment=comment, **scores)
    except Invalid as error:
        return _form_again(request, message_id, error, rating_form=form)
    if rating.message.state == MessageState.CLOSED:
        return "感谢您的评价，这条留言已办结。"
    return (
        "感谢您的评价。您对办理结果不满意，留言办理工作机构将对您进行回访，必要时交办理单位重新办理；"
        "在此期间您仍可以追问。"
    )


@_message_action
def follow_up(request, message_id: int) -> str | HttpResponse:
    form = FollowUpForm(request.POST)
    form.is_valid()  # both fields are optional: the action checks the text
    data = form.cleaned_data
    try:
        follow_up = feedback.follow_up_message(
            request.user, message_id, data["text"], new_question=data["new_question"]
        )
    except Invalid as error:
        error.errors = {"text" if key == "body" else key: text for key, text in error.errors.items()}
        return _form_again(request, message_id, error, follow_up_form=form)
    if follow_up.reopened:
        return "追问已提交，留言已重新交办，将在督办下办理。"
    if follow_up.answer_deadline:
        deadline = timezone.localtime(follow_up.answer_deadline)
        return f"追问已提交，办理单位将在 {deadline:%Y-%m-%d %H:%M} 前答复，答复经审核后公开。"
    return "追问已提交，办理单位会看到您的追问。"


@_message_action
def withdraw(request, message_id: int) -> str | HttpResponse:
    """撤回 asks first: the message page's button leads to a confirmation page whose button withdraws (no
    script needed). Only when the author may withdraw it now; any other case goes to the action, which
    says why not."""
    if request.POST.get("confirmed") != "yes":
        message = selectors.visible_message(request.user, message_id)
        if (
            message is not None
            and message.author_id == request.user.id
            and message.state in lifecycle.WITHDRAW.allowed_from
        ):
            return render(request, "web/citizen/withdraw_confirm.html", {"message": message})
    submission.withdraw_message(request.user, message_id)
    return "留言已撤回。"
