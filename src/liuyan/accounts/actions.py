"""Writes to accounts: users with their roles, and API tokens."""

import re
import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from liuyan.accounts.choices import Role
from liuyan.accounts.models import ApiToken, RoleMembership, User, phone_validator
from liuyan.directory.models import Region, Unit

TOKEN_PREFIX = "ly_"
# Recording every use of a token would make each API read a write; once a minute is enough to audit.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def save_user_with_role(
    *,
    username: str,
    password: str | None,
    role: Role,
    unit: Unit | None = None,
    region: Region | None = None,
    phone: str | None = None,
    nickname: str | None = None,
) -> tuple[User, bool]:
    """Create the user or update it (password, phone, nickname when given), and grant `role` with its scope.

    Raises `ValidationError` (messages in Chinese) for a weak password, a bad phone or a role whose
    scope does not fit. Returns the user and whether it was created.
    """
    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
    if phone is not None:
        user.phone = phone or None
    if nickname is not None:
        user.nickname = nickname
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    if role == Role.ADMIN:
        user.is_staff = user.is_superuser = True
    user.full_clean(exclude=["password"])
    user.save()

    membership = RoleMembership(user=user, role=role, unit=unit, region=region)
    membership.clean()
    if not user.memberships.filter(role=role, unit=unit, region=region).exists():
        membership.save()
    return user, created


def issue_api_token(user: User, name: str = "") -> str:
    """Create a token for `user` and return it; it is shown once and only its digest is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(token), prefix=token[:10])
    return token


def authenticate_api_token(token: str) -> User | None:
    """The active user a live token belongs to, recording its use; None for anything else."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    api_token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(token), revoked_at=None, user__is_active=True)
        .first()
    )
    if api_token is None:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token.user


def revoke_api_token(api_token: ApiToken) -> None:
    ApiToken.objects.filter(pk=api_token.pk, revoked_at=None).update(revoked_at=timezone.now())


USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_\-.\u4e00-\u9fff]{3,30}$")


@transaction.atomic
def register_citizen(
    *, username: str | None, password: str | None, phone: str | None = None, nickname: str | None = None
) -> User:
    """Open a citizen's account. All field errors are reported together, in Chinese."""
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not USERNAME_PATTERN.match(username):
        errors["username"] = ["用户名应为 3–30 个字符，可用汉字、字母、数字、下划线、连字符和点。"]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["这个用户名已被注册。"]
    phone = (phone or "").strip() or None
    if phone and not phone_validator.regex.match(phone):
        errors["phone"] = [phone_validator.message]
    elif phone and User.objects.filter(phone=phone).exists():
        errors["phone"] = ["这个手机号已被注册。"]
    user = User(username=username, phone=phone, nickname=(nickname or "").strip()[:30])
    try:
        validate_password(password or "", user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if not errors:
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    RoleMembership.objects.create(user=user, role=Role.CITIZEN)
    return user
