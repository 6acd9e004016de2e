import pytest

from liuyan.directory.selectors import find_regions

pytestmark = pytest.mark.django_db


def test_current_regions_only_each_with_the_places_under_it():
    found, more = find_regions("株洲")
    codes = [region.code for region in found]
    assert codes[:2] == ["430200", "430202"]  # 株洲市, then its districts and counties
    assert "430212" in codes  # 渌口区, which replaced 株洲县
    assert "430221" not in codes  # 株洲县 has gone
    assert not more


def test_townships_are_found_by_name():
    found, _ = find_regions("水部街道")
    assert [(r.code, r.name) for r in found] == [("350102008", "水部街道")]
