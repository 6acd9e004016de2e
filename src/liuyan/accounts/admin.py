from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from liuyan.accounts import two_factor
from liuyan.accounts.models import AccessRecord, ApiToken, RoleMembership, User


class RoleMembershipInline(admin.TabularInline):
    model = RoleMembership
    extra = 0
    raw_id_fields = ["unit", "region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("留言板", {"fields": ("phone", "nickname")}))
    list_display = ["username", "nickname", "phone", "is_staff", "is_active"]
    search_fields = ["username", "nickname", "phone"]
    inlines = [RoleMembershipInline]
    actions = ["reset_second_factor"]

    @admin.action(description="重置身份验证器（手机丢失时；下次登录重新绑定）")
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            two_factor.reset_second_factor(user)
        self.message_user(
            request,
            f"已重置 {len(queryset)} 个账号的身份验证器和恢复码；这些账号下次登录时须重新绑定身份验证器。",
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued on the account page or by `liuyan add_user --token`, shown once


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """个人信息查阅记录, to read only: the log is written by `accounts.audit.record_access` and nothing on
    the site may add, change or delete a record (an operator with database access answers for that)."""

    list_display = ["at", "user", "kind", "serial", "region", "address", "detail"]
    list_filter = ["kind", "at"]
    search_fields = ["user__username", "serial", "address"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    list_select_related = ["user", "region"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessRecord | None = None) -> bool:
        return False
