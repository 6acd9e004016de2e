"""Staff's second step of signing in: the code from their authenticator (or a recovery code), and
enrolment for an account that has no authenticator yet (a QR code drawn here, never by an outside
service; the secret in text; recovery codes shown once)."""

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from liuyan.accounts import two_factor
from liuyan.api.throttles import AuthThrottle

TOO_MANY = "操作过于频繁，请一分钟后再试。"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=20,
        help_text="身份验证器上显示的 6 位数字；手机丢失时可输入一个 8 位恢复码。",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        error_messages={"required": "请输入验证码。"},
    )


class EnrolmentForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=10,
        help_text="添加后，输入身份验证器上显示的 6 位数字。",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": "请输入验证码。"},
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def second_factor_url(next_url: str = "") -> str:
    """Where a staff member goes after their password (the sign-in page and the admin's login send them)."""
    url = reverse("web:two-factor")
    return f"{url}?{_query(next_url)}" if next_url else url


def _query(next_url: str) -> str:
    query = QueryDict(mutable=True)
    query["next"] = next_url
    return query.urlencode()


def _finish(request, next_url: str):
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@require_http_methods(["GET", "POST"])
def verify(request):
    user = request.user
    next_url = _next(request)
    if not user.is_authenticated:
        return redirect("web:login")
    if not two_factor.needs_second_factor(user) or user.is_verified():
        return _finish(request, next_url)
    if not two_factor.has_second_factor(user):
        setup = reverse("web:two-factor-setup")
        return redirect(f"{setup}?{_query(next_url)}" if next_url else setup)
    context = {"next": next_url}
    if request.method == "GET":
        return render(request, "web/account/two_factor.html", {**context, "form": CodeForm()})
    form = CodeForm(request.POST)
    if not AuthThrottle().allow_request(request):
        return render(
            request, "web/account/two_factor.html", {**context, "form": form, "refusal": TOO_MANY}, status=429
        )
    if form.is_valid():
        try:
            verified = two_factor.verify_second_factor(user, form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error.messages[0])
        else:
            django_otp.login(request, verified.device)
            if verified.recovery_codes_left is not None:
                messages.warning(
                    request,
                    f"您使用了一个恢复码，还剩 {verified.recovery_codes_left} 个。"
                    "请尽快在“账户安全”页生成新的恢复码；手机丢失请联系管理员重置身份验证器。",
                )
            return _finish(request, next_url)
    return render(request, "web/account/two_factor.html", {**context, "form": form}, status=422)


@require_http_methods(["GET", "POST"])
def setup(request):
    user = request.user
    next_url = _next(request)
    if not user.is_authenticated:
        return redirect("web:login")
    if not two_factor.needs_second_factor(user):
        return _finish(request, next_url)
    if two_factor.has_second_factor(user):
        return redirect("web:account") if user.is_verified() else redirect(second_factor_url(next_url))
    device = two_factor.pending_totp_device(user)
    form = EnrolmentForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if not AuthThrottle().allow_request(request):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            try:
                codes = two_factor.confirm_totp_device(device, form.cleaned_data["code"])
            except ValidationError as error:
                form.add_error("code", error.messages[0])
            else:
                django_otp.login(request, two_factor.confirmed_totp_device(user))
                return _recovery_codes_page(request, codes, next_url, enrolled=True)
    qr = segno.make(device.config_url, error="m")
    context = {
        "next": next_url,
        "form": form,
        "qr_svg": qr.svg_inline(scale=4, dark="#000", light="#fff", title="身份验证器二维码"),
        "secret": two_factor.totp_secret(device),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "web/account/two_factor_setup.html", context, status=status)


@require_POST
def new_recovery_codes(request):
    """Ten fresh recovery codes for a signed-in staff member (the old ones stop working)."""
    user = request.user
    if not user.is_authenticated:
        return redirect("web:login")
    if not two_factor.needs_second_factor(user) or not two_factor.has_second_factor(user):
        return redirect("web:account")
    return _recovery_codes_page(request, two_factor.issue_recovery_codes(user), "", enrolled=False)


def _recovery_codes_page(request, codes: list[str], next_url: str, *, enrolled: bool):
    context = {
        "codes": codes,
        "next": next_url or resolve_url(settings.LOGIN_REDIRECT_URL),
        "enrolled": enrolled,
    }
    response = render(request, "web/account/recovery_codes.html", context)
    response["Cache-Control"] = "no-store"
    return response
