from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from liuyan.directory.actions import read_region_table, seed_directory
from liuyan.directory.catalogue import CENTRAL_DEPARTMENTS, PLACEHOLDER_NAMES, leader_titles
from liuyan.directory.choices import RegionLevel, UnitKind
from liuyan.directory.models import Domain, Leader, MessageType, Region, SlaPolicy, Unit

pytestmark = pytest.mark.django_db


def test_region_counts_by_level_without_placeholders():
    counts = Counter(Region.objects.values_list("level", flat=True))
    assert counts == {RegionLevel.PROVINCE: 34, RegionLevel.PREFECTURE: 334, RegionLevel.COUNTY: 2851}
    assert not Region.objects.filter(name__in=PLACEHOLDER_NAMES).exists()


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


def test_every_parent_has_the_level_above_and_paths_are_consistent():
    regions = {r.code: r for r in Region.objects.all()}
    for region in regions.values():
        if region.level == RegionLevel.PROVINCE:
            assert region.parent_id is None and region.path == f"{region.code}/"
            continue
        parent = regions[region.parent_id]
        assert parent.level in {RegionLevel.PROVINCE, RegionLevel.PREFECTURE}
        if region.level == RegionLevel.PREFECTURE:
            assert parent.level == RegionLevel.PROVINCE
        assert region.path == f"{parent.path}{region.code}/"


def test_same_name_is_two_regions():
    assert sorted(Region.objects.filter(name="朝阳区").values_list("code", flat=True)) == ["110105", "220104"]
    assert Region.objects.filter(name="城关区").count() >= 2


def test_every_region_has_a_desk_and_leaders_addressed_to_it():
    regions = Region.objects.count()
    desks = Unit.objects.filter(kind=UnitKind.DISPATCH_DESK)
    assert desks.count() == regions
    assert desks.values("region").distinct().count() == regions
    assert Leader.objects.values("region").distinct().count() == regions
    assert not Leader.objects.exclude(desk__region=F("region")).exists()


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
def test_command_reports_nothing_changed_on_a_seeded_database():
    out = StringIO()
    call_command("seed_directory", stdout=out)
    assert "nothing changed" in out.getvalue()


def test_region_table_has_parents_before_children():
    rows = read_region_table()
    seen = set()
    for row in rows:
        assert row["parent_id"] is None or row["parent_id"] in seen
        seen.add(row["code"])
