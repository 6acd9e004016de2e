"""Staff's second factor (TOTP with django-otp): who needs it and the devices that give it.

Staff see citizens' phone numbers and unpublished texts, so a password alone does not let them in: after
the password, a staff account proves a six-digit code from an authenticator app (or a single-use
recovery code). Citizens sign in with a password only.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from liuyan.accounts.choices import Role

# The one TOTP device a staff account has; its name shows in the admin.
TOTP_DEVICE_NAME = "身份验证器"


def needs_second_factor(user) -> bool:
    """Whether `user` is staff: the Django admin flag, or any role other than citizen."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    cached = user.__dict__.get("_liuyan_needs_second_factor")
    if cached is None:
        cached = user.memberships.exclude(role=Role.CITIZEN).exists()
        user.__dict__["_liuyan_needs_second_factor"] = cached
    return cached


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def ensure_confirmed_totp_device(user) -> TOTPDevice:
    """The user's confirmed TOTP device, made when missing (for demo accounts and tests, not enrolment)."""
    device = confirmed_totp_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    return device


def mark_session_verified(session, device) -> None:
    """Record in `session` that its user passed the second factor with `device` (as django_otp.login does)."""
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
