"""Admin views of the board are for looking up records; every change goes through the actions (the
site and the API), so that it is checked and audited. Hence read-only admins."""

from django.contrib import admin

from liuyan.board.models import Attachment, Campaign, Event, ExtensionRequest, Message, Reply


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


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["title", "slug", "state", "opens_at", "closes_at"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["label", "message", "content_type", "size"]
