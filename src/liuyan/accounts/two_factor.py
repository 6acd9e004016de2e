"""Staff's second factor (TOTP with django-otp): who needs it, enrolment, verification and reset.

Staff see citizens' phone numbers and unpublished texts, so a password alone does not let them in: after
the password, a staff account proves a six-digit code from an authenticator app, or one of its ten
single-use recovery codes. Citizens sign in with a password only. Whether a session has passed the
second factor is django-otp's: `django_otp.login` marks it, `OTPMiddleware` reads it back as
`request.user.is_verified()`.
"""

import math
import re
import time
from base64 import b32encode
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from liuyan.accounts.choices import Role
from liuyan.accounts.models import User

# The one TOTP device and the one set of recovery codes a staff account has; names show in the admin.
TOTP_DEVICE_NAME = "身份验证器"
RECOVERY_DEVICE_NAME = "恢复码"
RECOVERY_CODE_COUNT = 10
TOTP_PATTERN = re.compile(r"^\d{6}$")
RECOVERY_PATTERN = re.compile(r"^[a-z2-7]{8}$")  # django-otp's StaticToken.random_token(): 5 bytes in base32


def needs_second_factor(user: User | AnonymousUser) -> bool:
    """Whether `user` is staff: the Django admin flag, or any role other than citizen."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    cached = user.__dict__.get("_liuyan_needs_second_factor")
    if cached is None:
        cached = user.memberships.exclude(role=Role.CITIZEN).exists()
        user.__dict__["_liuyan_needs_second_factor"] = cached
    return cached


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user: User) -> TOTPDevice:
    """The device being enrolled: made on the first visit and kept until confirmed, so that reloading the
    page does not change the secret the person may already have scanned.

    Raises `ValidationError` when the account already has a confirmed device: knowing the password must
    not be enough to add another (an admin resets a lost one).
    """
    if has_second_factor(user):
        raise ValidationError("这个账号已经绑定了身份验证器。如果设备丢失，请联系管理员重置。")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret as people type it into an authenticator app: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_totp_device(device: TOTPDevice, code: str | None) -> list[str]:
    """Finish enrolment with the first code the app shows: confirm the device, drop any other unconfirmed
    one, and issue recovery codes (returned to be shown once). Raises `ValidationError` in Chinese."""
    code = _compact(code)
    if not TOTP_PATTERN.match(code):
        raise ValidationError("请输入身份验证器上显示的 6 位数字。")
    # A wrong try is counted (committed) before the error is raised, outside the transaction.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or has_second_factor(device.user):
            raise ValidationError("这个账号已经绑定了身份验证器。")
        refusal = _throttled(device)
        if refusal is None and device.verify_token(code):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
            return issue_recovery_codes(device.user)
    raise ValidationError(refusal or "验证码不正确。请确认手机时间准确，并输入当前显示的 6 位数字。")


@transaction.atomic
def issue_recovery_codes(user: User) -> list[str]:
    """Ten new single-use recovery codes for `user`, replacing any earlier ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@dataclass(frozen=True)
class Verified:
    device: Device
    recovery_codes_left: int | None = None  # set when a recovery code was used


def verify_second_factor(user: User, code: str | None) -> Verified:
    """Check a six-digit code from the user's authenticator, or one of their recovery codes (used up by
    this). Every device limits wrong tries itself (1, 2, 4, 8 … seconds between them).

    Raises `ValidationError` in Chinese. A wrong try is counted even though the caller shows an error:
    do not call this inside a transaction that the error rolls back.
    """
    code = _compact(code)
    if TOTP_PATTERN.match(code):
        model, wrong = TOTPDevice, "验证码不正确或已使用，请输入身份验证器上当前显示的 6 位数字。"
    elif RECOVERY_PATTERN.match(code.lower()):
        model, wrong, code = StaticDevice, "恢复码不正确或已使用。", code.lower()
    else:
        raise ValidationError("请输入 6 位数字验证码，或 8 位恢复码。")
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            raise ValidationError("这个账号还没有绑定身份验证器。" if model is TOTPDevice else wrong)
        refusal = _throttled(device)
        if refusal is None and device.verify_token(code):
            left = device.token_set.count() if model is StaticDevice else None
            return Verified(device, recovery_codes_left=left)
    raise ValidationError(refusal or wrong)


def reset_second_factor(user: User) -> int:
    """Forget the user's authenticator and recovery codes (a lost phone): the next sign-in enrols anew.
    Sessions verified with them stop counting as verified, as their device no longer exists."""
    deleted_totp, _ = TOTPDevice.objects.filter(user=user).delete()
    deleted_static, _ = StaticDevice.objects.filter(user=user).delete()
    return deleted_totp + deleted_static


def ensure_confirmed_totp_device(user: User) -> TOTPDevice:
    """The user's confirmed TOTP device, made when missing (for demo accounts and tests, not enrolment:
    nobody sees its secret unless they ask `liuyan totp_code`)."""
    device = confirmed_totp_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    return device


def current_totp_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows for `device` now, or, when this time step's code has already
    been used (a code works once), the next step's, which the device's tolerance of one step accepts."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.drift += device.last_t + 1 - totp.t()
    return f"{totp.token():0{device.digits}d}"


def mark_session_verified(session: SessionBase, device: Device) -> None:
    """Record in `session` that its user passed the second factor with `device`, as `django_otp.login`
    does for a request (for code that holds a session but no request, like the test client)."""
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def _compact(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "")


def _throttled(device: Device) -> str | None:
    """Why `device` takes no try now (too many wrong ones, too recently), or None."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    until = (details or {}).get("locked_until")
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 60
    return f"错误次数过多，请 {seconds} 秒后再试。"
