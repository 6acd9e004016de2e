from django.contrib import admin

from liuyan.notify.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "text", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "text"]
    raw_id_fields = ["recipient", "message"]
    date_hierarchy = "created_at"
