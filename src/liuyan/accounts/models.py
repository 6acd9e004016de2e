import hashlib

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from liuyan.accounts.choices import AccessKind, Role, VerificationPurpose
from liuyan.core.scoping import ScopeLookups
from liuyan.directory.choices import UnitKind

phone_validator = RegexValidator(r"^1\d{10}$", "请输入 11 位手机号码。")


class User(AbstractUser):
    """A person who signs in: a citizen, or staff of the platform, a desk, a unit or a leader's office."""

    phone = models.CharField(
        "手机号", max_length=11, unique=True, null=True, blank=True, validators=[phone_validator]
    )
    nickname = models.CharField("昵称", max_length=30, blank=True)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # django-stubs leaves out the abstract Meta
        verbose_name = verbose_name_plural = "用户"
        swappable = "AUTH_USER_MODEL"

    @property
    def display_name(self) -> str:
        return self.nickname or self.username


# Where a role's scope comes from: a unit, a region subtree, either, or nothing (platform-wide).
ROLE_SCOPE: dict[str, str] = {
    Role.CITIZEN: "none",
    Role.EDITOR: "none",
    Role.ADMIN: "none",
    Role.HANDLER: "unit",
    Role.DISPATCHER: "desk_or_region",
    Role.LEADER: "region",
}


class RoleMembership(models.Model):
    """A role a user holds, with its scope: the unit it acts for or the region subtree it covers."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name="用户")
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    unit = models.ForeignKey(
        "directory.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="单位",
        related_name="+",
    )
    region = models.ForeignKey(
        "directory.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="行政区划",
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "角色"

    def __str__(self) -> str:
        scope = self.unit or self.region
        return f"{self.get_role_display()}（{scope}）" if scope else self.get_role_display()

    def clean(self) -> None:
        kind = ROLE_SCOPE[self.role]
        if kind == "none" and (self.unit_id or self.region_id):
            raise ValidationError(f"角色“{self.get_role_display()}”适用于全平台，不能指定单位或行政区划。")
        if kind == "unit" and (not self.unit_id or self.region_id):
            raise ValidationError(f"角色“{self.get_role_display()}”须指定所属办理单位。")
        if kind == "region" and (not self.region_id or self.unit_id):
            raise ValidationError(f"角色“{self.get_role_display()}”须指定所辖行政区划。")
        if kind == "desk_or_region":
            if bool(self.unit_id) == bool(self.region_id):
                raise ValidationError("留言办理工作机构角色须指定一个工作机构，或一个行政区划（二选一）。")
            if self.unit is not None and self.unit.kind != UnitKind.DISPATCH_DESK:
                raise ValidationError(f"“{self.unit}”不是留言办理工作机构。")
        if self.unit is not None and not self.unit.active:
            raise ValidationError(f"单位“{self.unit}”已停用。")


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="用户")
    name = models.CharField("名称", max_length=60, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("前缀", max_length=12, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    expires_at = models.DateTimeField("失效时间", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.prefix}…（{self.user}）"

    @staticmethod
    def digest_of(token: str) -> str:
        # Tokens are 256 random bits, so a fast hash is enough (no salt or slow hash needed).
        return hashlib.sha256(token.encode()).hexdigest()


class PhoneVerification(models.Model):
    """A code texted to a phone number to prove that the person registering holds it.

    Only a keyed hash of the code is kept; a code lives ten minutes and allows five tries, and only the
    latest code sent to a number counts.
    """

    phone = models.CharField("手机号", max_length=11)
    purpose = models.CharField(
        "用途", max_length=16, choices=VerificationPurpose.choices, default=VerificationPurpose.REGISTER
    )
    code_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField("发送时间")
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "手机验证码"
        indexes = [models.Index(fields=["phone", "-created_at"], name="phone_verification_latest")]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"


class AccessRecord(models.Model):
    """One look by a staff member at a citizen's unmasked data: who, what, when and from which address.

    Written by the views that show such data (`accounts.audit.record_access`), never edited afterwards.
    The message is kept by id and serial, not as a foreign key: accounts sits below the board.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="用户")
    kind = models.CharField("类别", max_length=16, choices=AccessKind.choices)
    message_id = models.BigIntegerField("留言 ID", null=True, blank=True)
    serial = models.CharField("留言编号", max_length=32, blank=True)
    region = models.ForeignKey(
        "directory.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="行政区划",
    )
    detail = models.CharField("内容", max_length=500, blank=True)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    # Reviewable by a leader whose region subtree holds the record's region (accounts.scope).
    scope_lookups = ScopeLookups(region_path="region__path")

    class Meta:
        verbose_name = verbose_name_plural = "个人信息查阅记录"
        indexes = [
            models.Index(fields=["-at", "-id"], name="access_record_latest"),
            models.Index(fields=["region", "-at"], name="access_record_region"),
            models.Index(fields=["user", "-at"], name="access_record_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()} {self.serial or self.detail}"
