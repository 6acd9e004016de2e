"""`liuyan import_leaders FILE.csv|xlsx`: leaders' names, dates of office and photos from a table; rows that
name no leader or hold a bad value are reported by line and skipped, the others applied."""

import io
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook
from PIL import Image

from liuyan.directory.leader_import import import_leaders
from liuyan.directory.models import Leader

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def write_png(path):
    Image.new("RGB", (30, 40), "gray").save(path, "PNG")
    return path


def run(path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_leaders", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_csv_sets_names_dates_and_photos_and_reports_the_rows_it_skips(tmp_path):
    write_png(tmp_path / "wu.png")
    (tmp_path / "fake.png").write_bytes(b"not an image")
    table = tmp_path / "leaders.csv"
    table.write_text(
        "代码,职务,姓名,任职时间,照片\n"
        "530900,临沧市委书记,张三,2021-09,\n"
        "csrc,中国证券监督管理委员会主席,吴清,2024-02-07,wu.png\n"
        "530900,临沧市副市长,李四,2022-01-01,\n"  # no such title seeded
        "999999,临沧市市长,王五,,\n"  # no such place
        "530900,临沧市市长,赵六,去年,\n"  # a date that means nothing
        "central-moe,教育部部长,钱七,,fake.png\n"  # not an image
        ",,,,\n",  # an empty row is no row
        encoding="utf-8-sig",
    )

    out, err = run(table)

    secretary = Leader.objects.get(code="530900-secretary")
    assert (secretary.person_name, secretary.since) == ("张三", date(2021, 9, 1))
    head = Leader.objects.get(code="central-csrc-head")
    assert (head.person_name, head.since) == ("吴清", date(2024, 2, 7))
    assert head.photo.name.startswith("leaders/") and head.photo.read().startswith(b"\x89PNG")
    assert Leader.objects.get(code="530900-head").person_name == ""
    assert Leader.objects.get(code="central-moe-head").person_name == ""
    assert "已更新 2 位领导，0 行无变化，4 行未导入。" in out
    assert "第 4 行未导入：没有代码为“530900”、职务为“临沧市副市长”的领导" in err
    assert "第 5 行未导入：没有代码为“999999”" in err
    assert "第 6 行未导入：任职时间“去年”无法识别" in err
    assert "第 7 行未导入：照片“fake.png”不是可识别的图片" in err

    out, _err = run(table)
    assert "已更新 1 位领导，1 行无变化，4 行未导入。" in out  # the photo row sets its photo again


def test_an_excel_file_with_dates_as_cells(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "title", "name", "since"])
    sheet.append(["530923", "永德县委书记", "孙八", datetime(2023, 3, 1)])
    sheet.append([530923, "永德县县长", "周九", "2023年5月"])
    book.save(tmp_path / "leaders.xlsx")

    result = import_leaders(tmp_path / "leaders.xlsx")

    assert (result.updated, result.refused) == (2, [])
    assert Leader.objects.get(code="530923-secretary").since == date(2023, 3, 1)
    assert Leader.objects.get(code="530923-head").since == date(2023, 5, 1)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("leaders.csv", "代码,职务\n530900,临沧市委书记\n", "缺少列：姓名"),
        ("leaders.txt", "代码,职务,姓名\n", "只能导入 .csv 或 .xlsx 文件。"),
        ("leaders.csv", "", "文件是空的。"),
        ("leaders.xlsx", "not a workbook", "无法读取 Excel 文件"),
    ],
)
def test_a_file_that_cannot_be_read_imports_nothing(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(path)
    with pytest.raises(CommandError, match="找不到文件"):
        run(tmp_path / "missing.csv")
