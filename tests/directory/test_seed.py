from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from liuyan.directory.actions import region_rows, seed_directory
from liuyan.directory.catalogue import CENTRAL_DEPARTMENTS, PLACEHOLDER_NAMES, leader_titles
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Domain, Leader, MessageType, Region, SlaPolicy, Unit

pytestmark = pytest.mark.django_db


def test_region_counts_by_level_follow_the_2025_table():
    active = Counter(Region.objects.filter(active=True).values_list("level", flat=True))
    # The table's 33 provinces, and 台湾省, which it lacks and cpca's table gave.
    assert active == {
        RegionLevel.PROVINCE: 34,
        RegionLevel.PREFECTURE: 333,
        RegionLevel.COUNTY: 2845,
        RegionLevel.TOWNSHIP: 38723,
    }
    assert not Region.objects.filter(name__in=PLACEHOLDER_NAMES).exists()


def test_codes_that_have_gone_stay_inactive_with_their_successor():
    zhuzhou = Region.objects.get(pk="430221")
    assert (zhuzhou.name, zhuzhou.active, zhuzhou.replaced_by_id) == ("株洲县", False, "430212")
    assert Region.objects.get(pk="430212").name == "渌口区"
    assert Region.objects.get(pk="350182").replaced_by.name == "长乐区"
    assert Region.objects.get(pk="542427").replaced_by_id == "540626"  # 索县, now under 那曲市
    assert Region.objects.get(pk="130421").replaced_by is None  # 邯郸县, split between three districts
    gone = Region.objects.filter(active=False)
    assert gone.count() == 147
    assert not gone.filter(replaced_by__active=False).exists()
    # No new message reaches a place that has gone: it has no desk and no addressable leader.
    assert not Unit.objects.filter(region__active=False).exists()
    assert not Leader.objects.filter(region__active=False, active=True).exists()
    # A renamed code keeps its row under its new name.
    assert Region.objects.get(pk="130502").name == "襄都区"


def chain(code: str) -> list[tuple[str, str]]:
    region = Region.objects.get(pk=code)
    return [(r.code, r.name) for r in reversed(region.ancestors_and_self())]


def test_parents_follow_the_codes():
    assert chain("530923") == [("530923", "永德县"), ("530900", "临沧市"), ("530000", "云南省")]
    assert chain("110105") == [("110105", "朝阳区"), ("110000", "北京市")]
    assert chain("220104") == [("220104", "朝阳区"), ("220100", "长春市"), ("220000", "吉林省")]
    # County-level cities directly under a province skip the placeholder prefecture.
    assert chain("429004") == [("429004", "仙桃市"), ("420000", "湖北省")]
    assert Region.objects.get(pk="469002").parent_id == "460000"  # 琼海市
    assert chain("530923100") == [
        ("530923100", "德党镇"),
        ("530923", "永德县"),
        ("530900", "临沧市"),
        ("530000", "云南省"),
    ]
    # Prefectures without counties hold their townships directly.
    assert Region.objects.get(pk="441900003").parent_id == "441900"  # 东莞市东城街道


def test_every_parent_has_the_level_above_and_paths_are_consistent():
    regions = {r.code: r for r in Region.objects.all()}
    for region in regions.values():
        if region.level == RegionLevel.PROVINCE:
            assert region.parent_id is None and region.path == f"{region.code}/"
            continue
        parent = regions[region.parent_id]
        above = {
            RegionLevel.PREFECTURE: {RegionLevel.PROVINCE},
            RegionLevel.COUNTY: {RegionLevel.PROVINCE, RegionLevel.PREFECTURE},
            RegionLevel.TOWNSHIP: {RegionLevel.PREFECTURE, RegionLevel.COUNTY},
        }
        assert parent.level in above[region.level]
        assert region.path == f"{parent.path}{region.code}/"


def test_same_name_is_two_regions():
    assert sorted(Region.objects.filter(name="朝阳区").values_list("code", flat=True)) == ["110105", "220104"]
    assert Region.objects.filter(name="城关区").count() >= 2


def test_every_region_has_leaders_and_above_the_townships_a_desk_addressed_to_it():
    current = Region.objects.filter(active=True)
    with_desk = current.exclude(level=RegionLevel.TOWNSHIP)
    desks = Unit.objects.filter(kind=UnitKind.DISPATCH_DESK, region__isnull=False)
    assert desks.count() == with_desk.count()
    assert desks.values("region").distinct().count() == with_desk.count()
    assert Leader.objects.filter(region__isnull=False).values("region").distinct().count() == current.count()
    above = Leader.objects.exclude(region__level=RegionLevel.TOWNSHIP).filter(region__isnull=False)
    assert not above.exclude(desk__region=F("region")).exists()
    township_leaders = Leader.objects.filter(region__level=RegionLevel.TOWNSHIP)
    assert not township_leaders.exclude(desk__region=F("region__parent")).exists()


def test_townships_have_their_government_as_their_one_unit():
    assert list(Unit.objects.filter(region_id="530923100").values_list("code", "name", "kind")) == [
        ("530923100-government", "德党镇人民政府", UnitKind.GOVERNMENT)
    ]
    assert Unit.objects.get(code="350102008-government").name == "水部街道办事处"  # 福州市鼓楼区
    governments = Unit.objects.filter(region__level=RegionLevel.TOWNSHIP)
    assert governments.count() == 38723
    assert not governments.exclude(kind=UnitKind.GOVERNMENT).exists()


@pytest.mark.parametrize(
    ("code", "titles"),
    [
        ("530000", ["云南省委书记", "云南省长"]),
        ("530900", ["临沧市委书记", "临沧市市长"]),
        ("530923", ["永德县委书记", "永德县县长"]),
        ("450000", ["广西壮族自治区党委书记", "广西壮族自治区主席"]),
        ("110000", ["北京市委书记", "北京市市长"]),
        ("532300", ["楚雄州委书记", "楚雄州州长"]),
        ("152500", ["锡林郭勒盟委书记", "锡林郭勒盟盟长"]),
        ("110105", ["朝阳区委书记", "朝阳区区长"]),
        ("530925", ["双江县委书记", "双江县县长"]),
        ("652300", ["昌吉州委书记", "昌吉州州长"]),
        ("530923100", ["德党镇党委书记", "德党镇镇长"]),
        ("530923202", ["勐板乡党委书记", "勐板乡乡长"]),
        ("530923204", ["乌木龙彝族乡党委书记", "乌木龙彝族乡乡长"]),
        ("350102008", ["水部街道党工委书记", "水部街道办事处主任"]),
    ],
)
def test_leader_titles_fit_the_kind_of_place(code, titles):
    assert list(Leader.objects.filter(region_id=code).values_list("title", flat=True)) == titles


def test_banner_titles():
    banners = Region.objects.filter(name__endswith="旗").exclude(name__contains="自治")
    region = banners.first()
    assert leader_titles(region.code, region.name) == [f"{region.name}委书记", f"{region.name}旗长"]


def test_departments_are_named_for_their_level_and_handle_domains():
    assert Unit.objects.get(code="530000-education").name == "云南省教育厅"
    assert Unit.objects.get(code="530900-education").name == "临沧市教育局"
    assert Unit.objects.get(code="530923-education").name == "永德县教育局"
    police = Unit.objects.get(code="530900-public-security")
    assert police.name == "临沧市公安局"
    assert set(police.domains.values_list("name", flat=True)) == {"治安", "交通"}
    assert police.parent.name == "临沧市人民政府"
    assert not Unit.objects.filter(kind=UnitKind.DEPARTMENT, domains=None).exists()


def test_central_departments_have_no_region():
    central = Unit.objects.filter(kind=UnitKind.CENTRAL)
    assert central.count() == len(CENTRAL_DEPARTMENTS)
    assert not central.exclude(region=None).exists()
    assert set(central.get(name="中国证券监督管理委员会").domains.values_list("name", flat=True)) == {"金融"}


def test_defaults_for_domains_and_types():
    roots = list(Domain.objects.filter(parent=None).values_list("name", flat=True))
    assert roots[:13] == [
        "城建",
        "交通",
        "环保",
        "教育",
        "医疗",
        "三农",
        "就业",
        "企业",
        "治安",
        "政务",
        "金融",
        "旅游",
        "其他",
    ]
    assert list(MessageType.objects.values_list("name", flat=True)) == [
        "建言",
        "投诉",
        "求助",
        "咨询",
        "感谢",
    ]


@pytest.mark.slow
def test_second_run_changes_nothing_and_keeps_administrators_edits():
    leader = Leader.objects.get(code="530923-secretary")
    leader.person_name = "张三"
    leader.save()
    models = (Region, Unit, Leader, Domain, MessageType, SlaPolicy)
    before = {model: model.objects.count() for model in models}

    report = seed_directory()

    assert not report.changed, report.lines()
    assert {model: model.objects.count() for model in before} == before
    leader.refresh_from_db()
    assert leader.person_name == "张三"


@pytest.mark.slow
def test_seed_restores_a_missing_row_and_corrects_a_region():
    Leader.objects.filter(code="530923-head").delete()
    Region.objects.filter(pk="530923").update(name="错误的名称")

    report = seed_directory()

    assert report.created["leaders"] == 1
    assert report.updated["regions"] == 1
    assert Region.objects.get(pk="530923").name == "永德县"


@pytest.mark.slow
def test_seed_brings_a_database_of_the_old_table_up_to_date():
    """A database seeded from cpca's table: 株洲县 current with a leader, 永德县 under another parent."""
    Region.objects.filter(pk="430221").update(active=True, replaced_by=None)
    desk = Unit.objects.get(code="430200-desk")
    Leader.objects.create(code="430221-head", title="株洲县县长", region_id="430221", desk=desk)
    Region.objects.filter(pk="530923").update(parent_id="530000", path="530000/530923/")
    Region.objects.filter(parent_id="530923").update(path="530000/530923/")

    report = seed_directory()

    assert report.updated["regions"] == 1 + 1 + 10  # 株洲县, 永德县 and its ten townships
    assert report.updated["leaders"] == 1
    zhuzhou = Region.objects.get(pk="430221")
    assert (zhuzhou.active, zhuzhou.replaced_by_id) == (False, "430212")
    assert not Leader.objects.get(code="430221-head").active
    assert chain("530923100")[1:] == [("530923", "永德县"), ("530900", "临沧市"), ("530000", "云南省")]
    assert Region.objects.get(pk="530923100").path == "530000/530900/530923/530923100/"
    assert not seed_directory().changed


@pytest.mark.slow
def test_command_reports_nothing_changed_on_a_seeded_database():
    out = StringIO()
    call_command("seed_directory", stdout=out)
    assert "nothing changed" in out.getvalue()


def test_region_rows_have_parents_before_children():
    rows = region_rows()
    seen = set()
    for row in rows:
        assert row["parent_id"] is None or row["parent_id"] in seen
        assert row["replaced_by_id"] is None or row["replaced_by_id"] in seen
        seen.add(row["code"])
