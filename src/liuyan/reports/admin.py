"""The count tables in the admin: read-only, for checking figures; `liuyan rebuild_counts` repairs them."""

from django.contrib import admin

from liuyan.reports.models import DailyCount


@admin.register(DailyCount)
class DailyCountAdmin(admin.ModelAdmin):
    list_display = ["day", "dimension", "key", "received", "published", "replied", "closed", "rated"]
    list_filter = ["dimension"]
    search_fields = ["key"]
    date_hierarchy = "day"
    ordering = ["-day", "dimension", "key"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
