"""Signing up (with an optional phone proved by a texted code), in and out, changing one's password, and
finding one's way back in by the verified phone."""

from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from liuyan.accounts.actions import (
    register_citizen_with_phone_code,
    reset_password_with_phone_code,
    send_password_reset_code,
    send_phone_code,
)
from liuyan.accounts.client import client_address
from liuyan.accounts.limits import TooManyAttempts, sign_in_refusal
from liuyan.accounts.two_factor import needs_second_factor
from liuyan.api.throttles import AuthThrottle
from liuyan.web.forms import (
    TOO_MANY_ATTEMPTS,
    LoginForm,
    PasswordResetForm,
    PhoneCodeRequestForm,
    RegistrationForm,
)
from liuyan.web.views.two_factor import second_factor_url

TOO_MANY = "操作过于频繁，请一分钟后再试。"


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _add_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@require_http_methods(["GET", "POST"])
def register(request):
    """Without JavaScript, signing up with a phone takes two posts of the same form: “发送验证码” texts
    a code to the number and shows the form again as typed; “注册” then opens the account."""
    context = {"next": _safe_next(request) or ""}
    if request.method == "GET":
        return render(request, "web/account/register.html", {**context, "form": RegistrationForm()})
    if not AuthThrottle().allow_request(request):
        form = _retyped_form(request.POST)
        return render(
            request, "web/account/register.html", {**context, "form": form, "refusal": TOO_MANY}, status=429
        )
    if request.POST.get("action") == "send_code":
        form = _retyped_form(request.POST)
        return _send_code(request, context, form, send_phone_code, "web/account/register.html")
    form = RegistrationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = register_citizen_with_phone_code(
                username=data["username"],
                password=data["password"],
                phone=data["phone"],
                code=data["code"],
                nickname=data["nickname"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            login(request, user, backend="liuyan.accounts.limits.LimitedModelBackend")
            messages.success(request, "注册成功，欢迎使用留言板。")
            return redirect(context["next"] or "web:home")
    if "password" not in form.errors and form.data.get("password"):
        form.add_error("password", "为安全起见，请重新输入密码。")
    return render(request, "web/account/register.html", {**context, "form": form}, status=422)


def _retyped_form(data) -> RegistrationForm:
    """The sign-up form showing what was typed (passwords are never sent back to the page), unchecked:
    the code step reports only its own errors."""
    typed = {name: data.get(name, "") for name in ("username", "nickname", "phone", "code")}
    form = RegistrationForm(initial=typed)
    form.full_clean()  # an unbound form checks nothing; this only readies it for add_error()
    form.cleaned_data = {}
    return form


def _send_code(request, context: dict, form, send, template: str):
    """Text a code with `send` (registration or reset) to the phone typed in `form`; show the page again."""
    request_form = PhoneCodeRequestForm(request.POST)
    status = 422
    if not request_form.is_valid():
        for message in request_form.errors["phone"]:
            form.add_error("phone", message)
    else:
        phone = request_form.cleaned_data["phone"]
        try:
            send(phone, address=client_address(request))
        except ValidationError as error:
            _add_errors(form, error)
        except TooManyAttempts as refused:
            context["refusal"], status = refused.refusal.message, 429
        else:
            context["code_sent_to"], status = _masked(phone), 200
    return render(request, template, {**context, "form": form}, status=status)


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


class LoginView(auth_views.LoginView):
    template_name = "web/account/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not AuthThrottle().allow_request(request):
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            return self.render_to_response(self.get_context_data(form=form, refusal=TOO_MANY), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        if needs_second_factor(form.get_user()):
            return redirect(second_factor_url(self.get_redirect_url()))
        return response

    def form_invalid(self, form):
        status = 429 if form.has_error(NON_FIELD_ERRORS, TOO_MANY_ATTEMPTS) else 422
        return self.render_to_response(self.get_context_data(form=form), status=status)


def admin_login(request):
    """The Django admin's sign-in page (its form is `AdminLoginForm`), answering 429 when the failed
    sign-in limits refused the try, as the site's page and the API do."""
    response = admin.site.login(request)
    if sign_in_refusal(request) is not None and response.status_code == 200:
        response.status_code = 429
    return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "您已退出登录。")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/account/password_change.html"
    success_url = reverse_lazy("web:my-messages")

    def form_valid(self, form):
        # The new password also ends the account's API tokens (accounts.signals) and its other sessions.
        messages.success(self.request, "密码已修改。原有的 API 令牌和其他设备上的登录已全部失效。")
        return super().form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """找回密码 for citizens, in two posts of one form like signing up: “发送验证码” texts a code to the
    verified phone, “重置密码” sets the new password. The page answers alike whether or not the number has
    an account (the SMS tells its holder)."""
    if request.method == "GET":
        return render(request, "web/account/password_reset.html", {"form": PasswordResetForm()})
    context: dict = {}
    if not AuthThrottle().allow_request(request):
        form = _reset_form_as_typed(request.POST)
        context["refusal"] = TOO_MANY
        return render(request, "web/account/password_reset.html", {**context, "form": form}, status=429)
    if request.POST.get("action") == "send_code":
        form = _reset_form_as_typed(request.POST)
        return _send_code(request, context, form, send_password_reset_code, "web/account/password_reset.html")
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = reset_password_with_phone_code(
                phone=data["phone"], code=data["code"], password=data["password"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"密码已重置，请用用户名“{user.username}”和新密码登录。")
            return redirect("web:login")
    return render(request, "web/account/password_reset.html", {**context, "form": form}, status=422)


def _reset_form_as_typed(data) -> PasswordResetForm:
    """The reset form showing the phone and code as typed (never the passwords), unchecked."""
    form = PasswordResetForm(initial={name: data.get(name, "") for name in ("phone", "code")})
    form.full_clean()  # an unbound form checks nothing; this only readies it for add_error()
    form.cleaned_data = {}
    return form
