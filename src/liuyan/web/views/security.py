"""The account page (账户安全): the password, staff's authenticator and recovery codes, and the API tokens
the user holds, with making and revoking them. Staff reach it only after their second factor (see
web.staff_sessions), so a token made here is never made on a password alone."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from liuyan.accounts import two_factor
from liuyan.accounts.actions import issue_api_token, revoke_api_token
from liuyan.accounts.models import ApiToken
from liuyan.accounts.selectors import tokens_of

TOKEN_DAY_CHOICES = [(1, "1 天"), (7, "7 天"), (30, "30 天"), (90, "90 天"), (180, "180 天")]


class TokenForm(forms.Form):
    name = forms.CharField(
        label="令牌名称", max_length=60, required=False, help_text="便于日后识别，例如“统计脚本”。"
    )
    days = forms.TypedChoiceField(label="有效期", coerce=int, choices=TOKEN_DAY_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The default lifetime is also the longest a token may have.
        longest = settings.LIUYAN_TOKEN_DAYS
        shorter = [(days, label) for days, label in TOKEN_DAY_CHOICES if days < longest]
        self.fields["days"].choices = [*shorter, (longest, f"{longest} 天")]
        self.fields["days"].initial = longest


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    user = request.user
    form = TokenForm(request.POST if request.method == "POST" else None)
    new_token = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            new_token = issue_api_token(user, form.cleaned_data["name"], days=form.cleaned_data["days"])
            form = TokenForm()
        else:
            status = 422
    staff = two_factor.needs_second_factor(user)
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": tokens_of(user),
        "staff": staff,
        "device": two_factor.confirmed_totp_device(user) if staff else None,
        "idle_minutes": settings.LIUYAN_STAFF_IDLE_MINUTES,
    }
    response = render(request, "web/account/security.html", context, status=status)
    if new_token:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke_token(request, token_id: int):
    api_token = ApiToken.objects.filter(pk=token_id, user=request.user, revoked_at=None).first()
    if api_token is None:
        raise Http404("没有这个令牌。")
    revoke_api_token(api_token)
    messages.success(request, f"令牌 {api_token.prefix}… 已撤销，使用它的程序将无法再访问。")
    return redirect("web:account")
