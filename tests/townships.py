"""Townships for the tests: the seeded ones when the directory holds them, otherwise made here as the seed
makes them (leaders dispatched by the county's desk, a government that handles messages)."""

from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Leader, Region, Unit

# (code, name, county): 永德县's seat, a street office of 福州市鼓楼区, and a township of 永德县.
DEDANG = ("530923100", "德党镇", "530923")
SHUIBU = ("350102008", "水部街道", "350102")
YONGKANG = ("530923102", "永康镇", "530923")


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
