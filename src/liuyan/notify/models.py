import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from liuyan.notify.choices import DeliveryChannel


class Notification(models.Model):
    """A notice to one user about a message: shown in the site, and sent by e-mail and SMS."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    kind = models.CharField("类别", max_length=32)
    message = models.ForeignKey(
        "board.Message",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="留言",
    )
    text = models.CharField("内容", max_length=300)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.text


class NotificationDelivery(models.Model):
    """A notification sent (or still to be sent) by one channel: its attempts, and the record that keeps
    it from going out twice (see actions.send_delivery). `key` identifies it to the e-mail and SMS
    receivers, the same on every attempt."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name="通知"
    )
    channel = models.CharField("渠道", max_length=8, choices=DeliveryChannel.choices)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    # Set while an attempt is under way: the claim that keeps a second worker (or a re-run task) from
    # sending it again. Still set long after, it marks an attempt whose worker died mid-send.
    sending_since = models.DateTimeField("发送开始", null=True, blank=True)
    last_attempt_at = models.DateTimeField("最近尝试", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    abandoned_at = models.DateTimeField("放弃时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知发送记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="notification_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.notification_id}"

    @property
    def key(self) -> str:
        """The idempotency key the receiver sees (e-mail Message-ID, SMS gateway request id)."""
        return f"liuyan-notification-{self.notification_id}-{self.channel}"


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    """An outside system told of the board's events by an HTTP POST (a unit's own case system, a city's
    data platform): optionally only some kinds of event, only messages in one region's subtree, or only
    those a unit handles. Each POST is signed with the secret (see notify/webhooks.py)."""

    name = models.CharField("名称", max_length=80)
    url = models.URLField("接收地址", max_length=500, help_text="http(s) 地址；每个事件以 JSON POST 到这里")
    secret = models.CharField(
        "签名密钥",
        max_length=100,
        default=new_webhook_secret,
        help_text="接收方用它校验请求头 X-Liuyan-Signature（HMAC-SHA256）",
    )
    kinds = models.JSONField("事件类别", default=list, blank=True, help_text="不选表示全部事件")
    region = models.ForeignKey(
        "directory.Region",
        verbose_name="地区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="只推送该地区（含下级）的留言；为空表示全部地区",
    )
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name="办理单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="只推送该单位办理的留言；为空表示不限",
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "事件推送（Webhook）"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event sent (or still to be sent) to one webhook, with what the last attempt got back."""

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name="推送"
    )
    event = models.ForeignKey("board.Event", on_delete=models.CASCADE, related_name="+", verbose_name="事件")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_attempt_at = models.DateTimeField("最近尝试", null=True, blank=True)
    last_status = models.PositiveSmallIntegerField("最近响应码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    abandoned_at = models.DateTimeField("放弃时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "推送记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event"], name="webhook_delivery_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.webhook} · {self.event_id}"
