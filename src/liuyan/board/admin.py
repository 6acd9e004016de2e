"""Admin views of the board are for looking up records; every change goes through the actions (the
site and the API), so that it is checked and audited. Hence read-only admins."""

from django.contrib import admin

from liuyan.board.models import (
    Attachment,
    Campaign,
    CampaignChange,
    EditorMark,
    Event,
    ExtensionRequest,
    Message,
    Reply,
    Revisit,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = Event
    fields = ["created_at", "kind", "from_state", "to_state", "actor", "unit", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["serial", "title", "state", "hidden", "region", "unit", "created_at"]
    list_filter = ["state", "hidden", "public", "urgent", "supervised"]
    search_fields = ["serial", "title"]
    list_select_related = ["region", "unit"]
    inlines = [EventInline]


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdmin):
    list_display = ["id", "unit", "state", "created_at", "reviewed_at"]
    list_filter = ["state"]
    list_select_related = ["unit"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["message", "unit", "days", "state", "created_at"]
    list_filter = ["state"]


class CampaignChangeInline(admin.TabularInline):
    model = CampaignChange
    fields = ["created_at", "kind", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    """Looked up here with its change history; edited on the workbench (专栏管理 → 修改) or through
    PUT /api/v1/campaigns/{slug}, which check the editor and record each change."""

    list_display = ["title", "slug", "state", "opens_at", "closes_at"]
    inlines = [CampaignChangeInline]


@admin.register(EditorMark)
class EditorMarkAdmin(ReadOnlyAdmin):
    list_display = ["message", "kind", "marked_by", "created_at", "cleared_at"]
    list_filter = ["kind"]
    list_select_related = ["message", "marked_by"]


@admin.register(Revisit)
class RevisitAdmin(ReadOnlyAdmin):
    list_display = ["message", "method", "at", "outcome", "unit", "by"]
    list_filter = ["method", "outcome"]
    list_select_related = ["message", "unit", "by"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["label", "message", "content_type", "size"]
