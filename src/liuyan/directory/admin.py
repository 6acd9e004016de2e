from django.contrib import admin

from liuyan.directory.models import (
    AutoAssignPolicy,
    Domain,
    Holiday,
    Leader,
    MessageType,
    Region,
    RoutingRule,
    SlaPolicy,
    Unit,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "order", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    raw_id_fields = ["parent"]


@admin.register(MessageType)
class MessageTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "active"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "region", "active"]
    list_filter = ["kind", "active", "region__level"]
    search_fields = ["name", "code", "region__code"]
    raw_id_fields = ["region", "parent"]
    filter_horizontal = ["domains"]
    list_select_related = ["region"]


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin):
    list_display = ["title", "person_name", "since", "has_photo", "region", "department", "desk", "active"]
    list_filter = ["active", "region__level", ("department", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "person_name", "region__code", "department__code"]
    raw_id_fields = ["region", "department", "desk"]
    list_select_related = ["region", "department", "desk"]
    fields = [
        "title",
        "person_name",
        "since",
        "photo",
        "region",
        "department",
        "desk",
        "order",
        "active",
        "code",
    ]

    @admin.display(description="照片", boolean=True)
    def has_photo(self, leader: Leader) -> bool:
        return bool(leader.photo)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["scope", "kind", "accept_days", "reply_days", "revisit_resolution", "follow_up_days"]
    list_filter = ["message_type", "region__level"]
    search_fields = ["region__code", "region__name"]
    raw_id_fields = ["region"]
    list_select_related = ["region", "message_type"]

    @admin.display(description="行政区划", ordering="region", empty_value="全国")
    def scope(self, policy: SlaPolicy) -> Region | None:
        return policy.region

    @admin.display(description="留言类型", ordering="message_type", empty_value="所有类型")
    def kind(self, policy: SlaPolicy) -> MessageType | None:
        return policy.message_type


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "keywords", "weight", "active"]
    list_filter = ["active", "domain", "department"]
    search_fields = ["keywords", "note", "region__name", "unit__name", "department"]
    raw_id_fields = ["region", "unit"]
    list_select_related = ["region", "domain", "unit"]


@admin.register(AutoAssignPolicy)
class AutoAssignPolicyAdmin(admin.ModelAdmin):
    list_display = ["desk", "enabled", "min_confidence", "updated_by", "updated_at"]
    list_filter = ["enabled"]
    search_fields = ["desk__name", "desk__code"]
    raw_id_fields = ["desk", "updated_by"]
    list_select_related = ["desk", "updated_by"]
