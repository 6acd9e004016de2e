from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from liuyan.accounts.models import ApiToken, RoleMembership, User


class RoleMembershipInline(admin.TabularInline):
    model = RoleMembership
    extra = 0
    raw_id_fields = ["unit", "region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("留言板", {"fields": ("phone", "nickname")}))
    list_display = ["username", "nickname", "phone", "is_staff", "is_active"]
    search_fields = ["username", "nickname", "phone"]
    inlines = [RoleMembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # tokens are issued through POST /api/v1/auth/token, which shows the secret once
