"""Writes to accounts: users with their roles, API tokens, registration and password reset, and what a
desk's own staff set for it (its auto-assignment)."""

import functools
import logging
import math
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from liuyan.accounts import limits
from liuyan.accounts.choices import Role, VerificationPurpose
from liuyan.accounts.models import ApiToken, PhoneVerification, RoleMembership, User, phone_validator
from liuyan.accounts.selectors import staffed_desks
from liuyan.accounts.two_factor import needs_second_factor
from liuyan.core.errors import Forbidden, Invalid
from liuyan.core.sms import get_sms_backend
from liuyan.directory.choices import UnitKind
from liuyan.directory.models import AutoAssignPolicy, Region, Unit

# RegexValidator compiles its pattern; django-stubs types it as the pattern or its text.
PHONE_PATTERN = cast(re.Pattern[str], phone_validator.regex)
PHONE_MESSAGE = str(phone_validator.message)
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
    if user is None:
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


def issue_api_token(user: User, name: str = "", *, days: int | None = None) -> str:
    """Create a token for `user` and return it; it is shown once and only its digest is kept.

    It lives `days` days (settings.LIUYAN_TOKEN_DAYS unless given).
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = timedelta(days=settings.LIUYAN_TOKEN_DAYS if days is None else days)
    ApiToken.objects.create(
        user=user,
        name=name,
        digest=ApiToken.digest_of(token),
        prefix=token[:10],
        expires_at=timezone.now() + lifetime,
    )
    return token


def authenticate_api_token(token: str) -> User | None:
    """The active user a live (unrevoked, unexpired) token belongs to, recording its use; None for
    anything else."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        adapt(now - TOKEN_USE_RESOLUTION),
        ApiToken.digest_of(token),
        adapt(now),
        adapt(now - timedelta(days=settings.LIUYAN_TOKEN_DAYS)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_live_token_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    *values, token_id, unused_lately = row
    for index, convert, column in _user_converters(connection.vendor):
        values[index] = convert(values[index], column, connection)
    user = User.from_db(connection.alias, [field.attname for field in User._meta.concrete_fields], values)
    if unused_lately:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


@functools.cache
def _user_converters(vendor: str) -> list[tuple[int, Callable[..., Any], Col]]:
    """What turns the database's value of each user column into the field's Python value (on SQLite, a
    date is text), as the ORM applies them; `vendor` keys the cache."""
    converters = []
    for index, field in enumerate(User._meta.concrete_fields):
        column = field.get_col(User._meta.db_table)
        own = field.get_db_converters(connection)  # type: ignore[attr-defined]  # not in django-stubs
        for convert in connection.ops.get_db_converters(column) + own:
            converters.append((index, convert, column))
    return converters


@functools.cache
def _live_token_sql() -> str:
    """The user of a live token with that digest, as `live_tokens_filter` says, with the token's id and
    whether its last use is older than TOKEN_USE_RESOLUTION. Written out: this runs in every API request,
    where building the same query with the ORM cost more CPU than the rest of a submission's checks."""
    quote = connection.ops.quote_name
    token, user = ApiToken._meta, User._meta

    def column(meta: Any, name: str) -> str:  # Any: django-stubs' get_field may return a relation
        return quote(meta.get_field(name).column)

    user_columns = ", ".join(f"u.{quote(field.column)}" for field in user.concrete_fields)
    return (
        f"SELECT {user_columns}, t.{column(token, 'id')} AS token_id, "
        f"(t.{column(token, 'last_used_at')} IS NULL OR t.{column(token, 'last_used_at')} < %s) "
        f"AS token_unused_lately "
        f"FROM {quote(token.db_table)} t JOIN {quote(user.db_table)} u "
        f"ON u.{column(user, 'id')} = t.{column(token, 'user')} "
        f"WHERE t.{column(token, 'digest')} = %s AND t.{column(token, 'revoked_at')} IS NULL "
        f"AND u.{column(user, 'is_active')} "
        f"AND (t.{column(token, 'expires_at')} > %s "
        f"OR (t.{column(token, 'expires_at')} IS NULL AND t.{column(token, 'created_at')} > %s))"
    )


def live_tokens_filter() -> Q:
    """Tokens that still let their holder in: not revoked and not expired. A token issued before tokens
    had an expiry lives the default lifetime from its creation."""
    now = timezone.now()
    unexpired = Q(expires_at__gt=now) | Q(
        expires_at=None, created_at__gt=now - timedelta(days=settings.LIUYAN_TOKEN_DAYS)
    )
    return Q(revoked_at=None) & unexpired


def revoke_api_token(api_token: ApiToken) -> None:
    ApiToken.objects.filter(pk=api_token.pk, revoked_at=None).update(revoked_at=timezone.now())


def revoke_user_tokens(user: User) -> int:
    """End every token of `user` (a changed password must not leave an old token working); returns how
    many were still unrevoked."""
    return ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())


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
    if phone and not PHONE_PATTERN.match(phone):
        errors["phone"] = [PHONE_MESSAGE]
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


# Proving a phone number (registration, password reset): a six-digit code texted through the SMS gateway.
PHONE_CODE_LIFETIME = timedelta(minutes=10)
PHONE_CODE_MAX_ATTEMPTS = 5
PHONE_CODE_RESEND_AFTER = timedelta(seconds=60)
PHONE_CODE_SENDS_PER_HOUR = 5
CODE_PATTERN = re.compile(r"^\d{6}$")

sms_logger = logging.getLogger(__name__)


def _phone_code_digest(phone: str, code: str) -> str:
    # Keyed with SECRET_KEY: a leaked table does not let anyone try the million codes offline.
    return salted_hmac("liuyan.accounts.phone-code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _text_phone_code(
    phone: str | None,
    purpose: VerificationPurpose,
    address: str | None,
    compose: Callable[[str, str, int], str],
) -> PhoneVerification:
    """Text `compose(phone, code, minutes)` to `phone` and keep the code's keyed hash.

    Whatever the text says (a code, or a notice when the number cannot use one), a row is written and an
    SMS sent, so that the answer, its limits and its time are the same either way: the one who learns
    whether the number has an account is the one holding the phone. A number gets at most one SMS a
    minute and five an hour (so that the form cannot flood someone's phone), an address
    LIUYAN_PHONE_CODE_ADDRESS_RATE, the site LIUYAN_PHONE_CODES_PER_DAY. Raises `ValidationError`
    {"phone": [...]} or `TooManyAttempts`, in Chinese.
    """
    phone = (phone or "").strip()
    if not phone:
        raise ValidationError({"phone": ["请填写手机号。"]})
    if not PHONE_PATTERN.match(phone):
        raise ValidationError({"phone": [PHONE_MESSAGE]})
    limits.take_code_request(address)
    now = timezone.now()
    recent = PhoneVerification.objects.filter(phone=phone, created_at__gt=now - timedelta(hours=1))
    last = recent.order_by("-created_at", "-id").first()
    if last is not None and now - last.created_at < PHONE_CODE_RESEND_AFTER:
        wait = math.ceil((PHONE_CODE_RESEND_AFTER - (now - last.created_at)).total_seconds())
        raise ValidationError({"phone": [f"验证码已发送，请 {wait} 秒后再重新获取。"]})
    if recent.count() >= PHONE_CODE_SENDS_PER_HOUR:
        raise ValidationError({"phone": ["这个手机号获取验证码过于频繁，请一小时后再试。"]})

    code = f"{secrets.randbelow(10**6):06d}"
    text = compose(phone, code, int(PHONE_CODE_LIFETIME.total_seconds() // 60))
    limits.take_code_of_the_day()
    with transaction.atomic():
        verification = PhoneVerification.objects.create(
            phone=phone,
            purpose=purpose,
            code_digest=_phone_code_digest(phone, code),
            created_at=now,
            expires_at=now + PHONE_CODE_LIFETIME,
        )
        try:
            get_sms_backend().send(phone, text)
        except Exception:
            # The row rolls back with the error: an unsent code must not block the next try.
            limits.give_back_code_of_the_day()
            sms_logger.exception("Texting a %s code to %s****%s failed.", purpose, phone[:3], phone[-4:])
            raise ValidationError({"phone": ["短信发送失败，请稍后再试。"]}) from None
    return verification


def _registration_text(phone: str, code: str, minutes: int) -> str:
    if User.objects.filter(phone=phone).exists():
        return (
            "【留言板】有人用此手机号申请注册留言板账号，但此号码已注册过账号。"
            "如忘记密码，请在登录页点击“找回密码”。如非本人操作，请忽略本短信。"
        )
    return f"【留言板】您的注册验证码是 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本短信。"


def send_phone_code(phone: str | None, *, address: str | None = None) -> PhoneVerification:
    """Text a registration code to `phone`, from a client at `address` (see `_text_phone_code`).

    A number that an account already uses gets a notice instead of a code, and the same answer: telling
    the client "taken" would let anyone find out which numbers have accounts.
    """
    return _text_phone_code(phone, VerificationPurpose.REGISTER, address, _registration_text)


def verify_phone_code(
    phone: str | None, code: str | None, purpose: VerificationPurpose = VerificationPurpose.REGISTER
) -> PhoneVerification:
    """The unused, unexpired code last sent to `phone` for `purpose`, if `code` matches it.

    Every try counts against the code's five, and is committed at once: do not call this inside a
    transaction that a wrong code rolls back. Raises `ValidationError` {"code": [...]} in Chinese.
    """
    phone, code = (phone or "").strip(), (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise ValidationError({"code": ["请输入短信中的 6 位数字验证码。"]})
    latest = (
        PhoneVerification.objects.filter(phone=phone, purpose=purpose).order_by("-created_at", "-id").first()
    )
    if latest is None or latest.used_at is not None:
        raise ValidationError({"code": ["请先点击“发送验证码”获取验证码。"]})
    if latest.expires_at <= timezone.now():
        raise ValidationError({"code": ["验证码已过期，请重新获取。"]})
    # Claim the try before comparing, so that parallel guesses cannot exceed the limit.
    claimed = PhoneVerification.objects.filter(
        pk=latest.pk, used_at=None, attempts__lt=PHONE_CODE_MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        raise ValidationError({"code": ["验证码错误次数过多，请重新获取。"]})
    if not constant_time_compare(latest.code_digest, _phone_code_digest(phone, code)):
        left = PHONE_CODE_MAX_ATTEMPTS - latest.attempts - 1
        hint = f"还可以再试 {left} 次。" if left > 0 else "请重新获取验证码。"
        raise ValidationError({"code": [f"验证码不正确，{hint}"]})
    return latest


def register_citizen_with_phone_code(
    *,
    username: str | None,
    password: str | None,
    phone: str | None = None,
    code: str | None = None,
    nickname: str | None = None,
) -> User:
    """Open a citizen's account; a phone number, when given, must be proved with the code texted to it
    by `send_phone_code`. All field errors, the code's included, are reported together."""
    phone = (phone or "").strip()
    if not phone:
        return register_citizen(username=username, password=password, nickname=nickname)
    code_errors: dict[str, list[str]] = {}
    verification = None
    try:
        verification = verify_phone_code(phone, code)
    except ValidationError as error:
        code_errors = error.message_dict
    # Whether a number is taken is told only to whoever proved holding it: otherwise this step would tell
    # anyone which numbers have accounts (which `send_phone_code` does not).
    checked_phone = phone if verification is not None else None
    if verification is None and not PHONE_PATTERN.match(phone):
        code_errors["phone"] = [PHONE_MESSAGE]
    try:
        with transaction.atomic():
            user = register_citizen(
                username=username, password=password, phone=checked_phone, nickname=nickname
            )
            if code_errors:
                raise ValidationError(code_errors)
            assert verification is not None  # without one, code_errors says why
            used = PhoneVerification.objects.filter(pk=verification.pk, used_at=None).update(
                used_at=timezone.now()
            )
            if not used:
                raise ValidationError({"code": ["验证码已使用，请重新获取。"]})
    except ValidationError as error:
        raise ValidationError({**error.message_dict, **code_errors}) from None
    return user


# Resetting a forgotten password by the verified phone: citizens only. Staff accounts see citizens'
# data behind a second factor; a texted code must not be a way around it, so an admin resets theirs.


def _resettable_user(phone: str) -> User | None:
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None or needs_second_factor(user):
        return None
    return user


def _reset_text(phone: str, code: str, minutes: int) -> str:
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        return (
            "【留言板】有人用此手机号申请找回留言板账号密码，但此号码没有可以找回密码的网友账号。"
            "如非本人操作，请忽略本短信。"
        )
    if needs_second_factor(user):
        return (
            "【留言板】此手机号对应的是工作人员账号，不能通过短信找回密码，请联系平台管理员重置。"
            "如非本人操作，请忽略本短信。"
        )
    return (
        f"【留言板】您正在找回留言板账号密码，验证码是 {code}，{minutes} 分钟内有效。"
        "如非本人操作，请忽略本短信。"
    )


def send_password_reset_code(phone: str | None, *, address: str | None = None) -> PhoneVerification:
    """Text a password reset code to `phone`, from a client at `address` (see `_text_phone_code`).

    Only a citizen's account can be reset this way; any other number gets a notice instead of a code,
    and the client the same answer, so that the form tells nobody which numbers have accounts.
    """
    return _text_phone_code(phone, VerificationPurpose.RESET_PASSWORD, address, _reset_text)


def reset_password_with_phone_code(*, phone: str | None, code: str | None, password: str | None) -> User:
    """Give the citizen account of `phone` a new password, proved with the code `send_password_reset_code`
    texted to it. The new password ends the account's API tokens and its other sessions (accounts.signals
    and Django's session auth hash). Field errors are reported together, in Chinese.
    """
    phone = (phone or "").strip()
    errors: dict[str, list[str]] = {}
    verification = user = None
    if not PHONE_PATTERN.match(phone):
        errors["phone"] = [PHONE_MESSAGE]
    else:
        try:
            verification = verify_phone_code(phone, code, VerificationPurpose.RESET_PASSWORD)
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            user = _resettable_user(phone)
            if user is None:  # the account changed since the code was sent
                errors["phone"] = ["这个手机号没有可以找回密码的网友账号。"]
    try:
        validate_password(password or "", user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    assert verification is not None and user is not None  # without them, errors says why
    with transaction.atomic():
        used = PhoneVerification.objects.filter(pk=verification.pk, used_at=None).update(
            used_at=timezone.now()
        )
        if not used:
            raise ValidationError({"code": ["验证码已使用，请重新获取。"]})
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def set_auto_assign_policy(
    user: User, desk_id: int, *, enabled: bool, min_confidence: Decimal | float | str
) -> AutoAssignPolicy:
    """A desk turns auto-assignment (自动交办) on or off and sets the confidence it requires. Only the
    desk's own dispatchers (or a platform administrator) may."""
    desk = Unit.objects.filter(pk=desk_id, kind=UnitKind.DISPATCH_DESK).first()
    if desk is None or not (user.is_superuser or staffed_desks(user).filter(pk=desk.pk).exists()):
        raise Forbidden("只有本机构的工作人员可以设置自动交办。")
    try:
        threshold = Decimal(str(min_confidence)).quantize(Decimal("0.01"))
    except (ArithmeticError, ValueError):
        raise Invalid("置信度下限应为 0.50 到 0.99 之间的数。", field="min_confidence") from None
    if not Decimal("0.50") <= threshold <= Decimal("0.99"):
        raise Invalid("置信度下限应在 0.50 到 0.99 之间。", field="min_confidence")
    policy, _created = AutoAssignPolicy.objects.update_or_create(
        desk=desk, defaults={"enabled": enabled, "min_confidence": threshold, "updated_by": user}
    )
    return policy
