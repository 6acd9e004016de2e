from django import forms
from django.contrib import admin, messages

from liuyan.board.choices import EventKind
from liuyan.notify import webhooks
from liuyan.notify.actions import retry_deliveries
from liuyan.notify.models import Notification, NotificationDelivery, Webhook, WebhookDelivery


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "text", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "text"]
    raw_id_fields = ["recipient", "message"]
    date_hierarchy = "created_at"


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    """Every e-mail and SMS of a notification: pending, delivered, waiting for its next try, given up."""

    list_display = [
        "id",
        "notification",
        "channel",
        "created_at",
        "attempts",
        "last_attempt_at",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "abandoned_at",
    ]
    list_filter = [
        "channel",
        ("delivered_at", admin.EmptyFieldListFilter),
        ("abandoned_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["notification__recipient__username", "notification__text"]
    list_select_related = ["notification"]
    readonly_fields = [field.name for field in NotificationDelivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="重新发送所选（已放弃的）记录")
    def resend(self, request, queryset):
        count = retry_deliveries(queryset.values_list("pk", flat=True))
        self.message_user(request, f"已重新排队发送 {count} 条记录。", messages.SUCCESS)


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label="接收地址",
        max_length=500,
        assume_scheme="https",
        help_text="http(s) 地址；每个事件以 JSON POST 到这里",
    )
    kinds = forms.MultipleChoiceField(
        label="事件类别",
        choices=EventKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选表示全部事件",
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "secret", "kinds", "region", "unit", "active"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "region", "unit", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    raw_id_fields = ["region", "unit"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "webhook",
        "event",
        "created_at",
        "attempts",
        "last_status",
        "last_error",
        "delivered_at",
        "abandoned_at",
    ]
    list_filter = [
        "webhook",
        ("delivered_at", admin.EmptyFieldListFilter),
        ("abandoned_at", admin.EmptyFieldListFilter),
    ]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="重新推送所选（已放弃的）记录")
    def retry(self, request, queryset):
        count = webhooks.retry_abandoned(queryset.values_list("pk", flat=True))
        self.message_user(request, f"已重新排队推送 {count} 条记录。", messages.SUCCESS)
