"""What a staff member's signed-in session must keep up: the second factor, and activity.

`SecondFactorRequiredMiddleware`: a staff account that has given only its password reaches nothing but
the second step of signing in (enrolment or the code) and signing out, whatever the page, download,
session API call or admin page asked for. `StaffIdleTimeoutMiddleware`: a staff session left without a
request for settings.LIUYAN_STAFF_IDLE_MINUTES is signed out. Citizens' sessions are left as they are.
Both run after django-otp's OTPMiddleware and Django's authentication and messages middleware.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.urls import reverse

from liuyan.accounts.two_factor import needs_second_factor
from liuyan.api.errors import error_response

LAST_SEEN_SESSION_KEY = "liuyan_staff_last_seen"
# Writing the session on every request would make each page a write; a minute is precise enough.
LAST_SEEN_RESOLUTION_SECONDS = 60


def _second_factor_paths() -> tuple[str, ...]:
    return (reverse("web:two-factor"), reverse("web:two-factor-setup"), reverse("web:logout"))


def _verified(user) -> bool:
    # OTPMiddleware gives request.user `is_verified`; a user set later (after a logout) may lack it.
    is_verified = getattr(user, "is_verified", None)
    return is_verified is not None and is_verified()


def _is_staff(user) -> bool:
    # A session verified by a device is staff's (only staff enrol one): no need to read the roles then.
    return _verified(user) or needs_second_factor(user)


@receiver(user_logged_in, dispatch_uid="liuyan.web.staff_sessions.stamp_sign_in")
def stamp_sign_in(sender, request, user, **kwargs) -> None:
    """A staff session starts its idle clock at sign-in (the first page then needs no session write)."""
    if needs_second_factor(user):
        request.session[LAST_SEEN_SESSION_KEY] = int(time.time())


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if _verified(user) or not needs_second_factor(user):
            return self.get_response(request)
        if request.path in _second_factor_paths():
            return self.get_response(request)
        if request.path.startswith("/api/"):
            if "Authorization" not in request.headers:
                return error_response(
                    403,
                    "second_factor_required",
                    "请先在网页上完成两步验证（输入身份验证器上的动态验证码），再使用工作人员功能。",
                )
            # A bearer token stands on its own (it was made after a second factor); the half-signed-in
            # session must not lend its user to the request if the token fails.
            request.user = AnonymousUser()
            return self.get_response(request)
        return redirect_to_login(request.get_full_path(), reverse("web:two-factor"))


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_staff(request.user):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
            if last_seen is not None and now - last_seen > settings.LIUYAN_STAFF_IDLE_MINUTES * 60:
                logout(request)
                minutes = settings.LIUYAN_STAFF_IDLE_MINUTES
                messages.info(request, f"您已超过 {minutes} 分钟没有操作，已自动退出，请重新登录。")
            elif last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
                request.session[LAST_SEEN_SESSION_KEY] = now
        return self.get_response(request)
