"""Townships for the tests: the seeded ones when the directory holds them, otherwise made here as the seed
makes them (leaders dispatched by the county's desk, a government that handles messages)."""

from liuyan.board.actions import dispatch, handling, moderation, replies, submission
from liuyan.board.models import Message
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Leader, Region, Unit

# (code, name, county): 永德县's seat, a street office of 福州市鼓楼区, and a township of 永德县.
DEDANG = ("530923100", "德党镇", "530923")
SHUIBU = ("350102008", "水部街道", "350102")
YONGKANG = ("530923102", "永康镇", "530923")


def gone_township(successor: Region) -> Region:
    """旧德党乡, a township that has gone, kept inactive with `successor` (a township of the same county)."""
    return Region.objects.create(
        code="530923199",
        name="旧德党乡",
        level=RegionLevel.TOWNSHIP,
        parent=successor.parent,
        path=f"{successor.parent.path}530923199/",
        active=False,
        replaced_by=successor,
    )


def township(code: str, name: str, county_code: str) -> Region:
    county = Region.objects.get(pk=county_code)
    region, _ = Region.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": RegionLevel.TOWNSHIP,
            "parent": county,
            "path": f"{county.path}{code}/",
        },
    )
    if not Leader.objects.filter(region=region, active=True).exists():
        desk = Unit.objects.get(region=county, kind=UnitKind.DISPATCH_DESK)
        street = name.endswith("街道")
        titles = ["党工委书记", "街道办事处主任"] if street else ["党委书记", f"{name[-1]}长"]
        for order, title in enumerate(titles):
            Leader.objects.create(
                code=f"{code}-{order}", title=f"{name}{title}", region=region, desk=desk, order=order
            )
    if not Unit.objects.filter(region=region, kind=UnitKind.GOVERNMENT).exists():
        Unit.objects.create(
            code=f"{code}-government",
            name=f"{name}办事处" if name.endswith("街道") else f"{name}人民政府",
            kind=UnitKind.GOVERNMENT,
            region=region,
        )
    return region


def answered_in(township_region: Region, author, staff) -> Message:
    """A message to the township's head, assigned to its government and answered there, through the actions
    (`staff` a superuser)."""
    head = Leader.objects.filter(region=township_region, active=True).order_by("order", "id").last()
    government = Unit.objects.get(region=township_region, kind=UnitKind.GOVERNMENT)
    message = submission.submit_message(
        author,
        leader_id=head.id,
        message_type="complaint",
        domain="城建",
        title=f"{township_region.name}集市路段路灯不亮",
        body=f"{township_region.name}集市旁的路段路灯坏了两个多月，晚上出行很不安全，希望尽快维修。",
        region_code=township_region.code,
    )
    moderation.publish_message(staff, message.id)
    dispatch.assign_message(staff, message.id, government.id)
    handling.accept_message(staff, message.id)
    replies.submit_reply(staff, message.id, "已安排维修路灯，本周内修复。")
    replies.approve_reply(staff, message.replies.order_by("-id").first().id)
    return Message.objects.get(pk=message.pk)
