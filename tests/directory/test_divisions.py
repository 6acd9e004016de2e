import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from liuyan.directory import divisions
from liuyan.directory.choices import RegionLevel

OLD = [
    [1, "430000", "", "湖南省"],
    [2, "430200", "430000", "株洲市"],
    [3, "430221", "430200", "株洲县"],
    [3, "430223", "430200", "攸县"],
    [2, "350100", "430000", "福州市"],  # a wrong parent, corrected in NEW
    [1, "350000", "", "福建省"],
    [3, "350182", "350100", "长乐市"],
    [3, "350102", "350100", "鼓楼区"],
]
NEW = [
    [1, "430000", "", "湖南省"],
    [2, "430200", "430000", "株洲市"],
    [3, "430212", "430200", "渌口区"],
    [3, "430223", "430200", "攸县"],
    [1, "350000", "", "福建省"],
    [2, "350100", "350000", "福州市"],
    [3, "350112", "350100", "长乐区"],
    [3, "350102", "350100", "鼓楼区"],
    [4, "350102008", "350102", "水部街道"],
    [3, "430224", "430200", "茶陵县（新）"],
]


def write(tmp_path, name: str, rows: list) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"metadata": {}, "divisions": rows}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_a_table_is_read_with_parents_before_children(tmp_path):
    table = divisions.read_division_table(divisions.Path(write(tmp_path, "new.json", NEW)))
    assert list(table)[:2] == ["350000", "430000"]
    assert table["350102008"] == divisions.Division("350102008", "水部街道", RegionLevel.TOWNSHIP, "350102")
    assert table["350000"].parent is None


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ([[1, "430000", "", "湖南省"], [3, "430221", "430200", "株洲县"]], "parent 430200"),
        ([[5, "430000", "", "湖南省"]], "level 5"),
    ],
)
def test_a_table_with_a_missing_parent_or_level_is_refused(tmp_path, rows, error):
    with pytest.raises(ValueError, match=error):
        divisions.read_division_table(divisions.Path(write(tmp_path, "bad.json", rows)))


def test_compare_finds_added_removed_with_successor_renamed_and_moved(tmp_path):
    old = divisions.read_division_table(divisions.Path(write(tmp_path, "old.json", OLD)))
    new = divisions.read_division_table(divisions.Path(write(tmp_path, "new.json", NEW)))

    changes = divisions.compare(old, new)

    assert [d.code for d in changes.added] == ["350102008", "350112", "430212", "430224"]
    assert [(d.code, s.code if s else None) for d, s in changes.removed] == [
        ("350182", "350112"),  # the same stem under the same parent
        ("430221", "430212"),  # the curated list
    ]
    assert changes.renamed == []
    assert [(o.parent, n.parent) for o, n in changes.moved] == [("430000", "350000")]
    lines = changes.lines(new)
    assert lines[0] == "added 4, removed 2, renamed 0, moved 1"
    assert "removed 350182 长乐市 → 350112 长乐区" in lines
    assert "moved   350100 福州市: 430000 → 350000 福建省" in lines


def test_successors_between_the_old_table_and_the_2025_one():
    old, new = divisions.read_cpca_table().divisions, divisions.read_division_table()
    found = divisions.successors(old, new)
    assert found["430221"] == "430212"  # 株洲县 → 渌口区 (curated)
    assert found["350182"] == "350112"  # 长乐市 → 长乐区
    assert found["450127"] == "450181"  # 横县 → 横州市
    assert found["542427"] == "540626"  # 索县, now under 那曲市
    assert found["139001"] == "130682"  # 定州市, now under 保定市
    assert found["130421"] is None  # 邯郸县, split between three districts
    assert all(code is None or code in new for code in found.values())
    assert len(found) == 148


def test_command_compares_two_files(tmp_path):
    out = StringIO()
    call_command(
        "compare_divisions", write(tmp_path, "old.json", OLD), write(tmp_path, "new.json", NEW), stdout=out
    )
    lines = out.getvalue().splitlines()
    # OLD holds no townships: they are not compared unless asked for.
    assert lines[0] == "added 3, removed 2, renamed 0, moved 1"
    assert "added   430224 茶陵县（新） (under 430200 株洲市)" in lines


def test_command_compares_cpca_with_the_installed_table():
    out = StringIO()
    call_command("compare_divisions", "cpca", "--summary", stdout=out)
    assert out.getvalue() == "added 140, removed 148, renamed 2, moved 0\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/table.json"], "cannot read the table"),
        (["cpca", "--levels", "1,9"], "--levels"),
    ],
)
def test_command_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("compare_divisions", *args, stdout=StringIO())
