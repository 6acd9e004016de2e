import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from liuyan.directory.actions import import_taxonomy
from liuyan.directory.models import Domain

pytestmark = pytest.mark.django_db


def test_import_builds_the_three_level_tree(shared_data):
    path = shared_data / "taidi2020" / "taxonomy.csv"
    with path.open(encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file))
    expected_nodes = {
        tuple(r[c].strip() for c in ("一级分类", "二级分类", "三级分类")[:n]) for r in rows for n in (1, 2, 3)
    }
    before = Domain.objects.count()

    out = StringIO()
    call_command("import_taxonomy", str(path), stdout=out)

    assert Domain.objects.count() - before == len(expected_nodes)
    assert f"{len(expected_nodes)} domains created" in out.getvalue()
    leaf = Domain.objects.get(name="事故处理", parent__name="安全生产", parent__parent__name="城乡建设")
    assert leaf.parent.parent.name == "城乡建设" and leaf.parent.parent.parent is None


def test_import_is_idempotent(shared_data):
    path = shared_data / "taidi2020" / "taxonomy.csv"
    call_command("import_taxonomy", str(path), stdout=StringIO())
    count = Domain.objects.count()
    call_command("import_taxonomy", str(path), stdout=StringIO())
    assert Domain.objects.count() == count


def test_bad_rows_are_reported_by_line_and_the_rest_imported():
    text = "一级分类,二级分类,三级分类\n交通,,公交线路\n,,\n交通, 公共交通 ,公交线路\n"
    result = import_taxonomy(StringIO(text))
    assert result.errors == [
        (2, "a level is empty while a deeper one is filled"),
        (3, "the row names no domain"),
    ]
    assert Domain.objects.get(name="公交线路").parent.name == "公共交通"
    assert Domain.objects.get(name="公共交通").parent == Domain.objects.get(name="交通", parent=None)


def test_a_file_without_the_columns_is_refused(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("name,parent\n交通,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="一级分类"):
        call_command("import_taxonomy", str(path))
