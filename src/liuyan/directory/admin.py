from django.contrib import admin

from liuyan.directory.models import Domain, Leader, MessageType, Region, Unit


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
    list_display = ["title", "person_name", "region", "desk", "order", "active"]
    list_filter = ["active", "region__level"]
    search_fields = ["title", "person_name", "region__code"]
    raw_id_fields = ["region", "desk"]
    list_select_related = ["region", "desk"]
