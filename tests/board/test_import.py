"""`liuyan import_messages`: CSV and XLSX exports in the taidi2020 layout, with their original times and
replies, bad rows reported by row number, idempotent on 留言编号, searchable afterwards."""

import json
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from liuyan.board.actions.oversight import close_unrated
from liuyan.board.choices import EventKind, MessageState, ReplyState
from liuyan.board.models import Event, Message, Reply
from liuyan.core.times import parse_timestamp
from liuyan.directory.models import Leader, Unit

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = "留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间,点赞数,反对数\n"
# Line numbers: the header is line 1; the quoted body of row 9001 spans lines 2–3.
CSV_TEXT = (
    HEADER
    + '9001,A0001,\t学校门口 交通拥堵 ,2019/4/25 9:32:09,"每天上学放学时段\n学校门口严重拥堵，请疏导。",'
    "已安排交警在上下学时段疏导交通。,2019/5/6 10:00:00,12,3\n"
    "9002,A0002,老旧小区加装电梯补贴,2017-06-08 17:31:20,"
    "\u3000\u3000请问老旧小区加装电梯有没有补贴政策？,,,0,\n"
    "9003,A0001,路灯不亮晚上很危险,2019/13/40 25:00:00,大桥上的路灯有一半不亮，晚上行车很危险。,,,,\n"
    "9004,A0003,,2019/4/25 9:32:09,没有标题的留言，内容倒是足够长。,,,,\n"
    "9005,A0004,公交线路调整建议,2018/4/24,建议增开一条连接高铁站和大学城的公交线路。,已转交,,,\n"
    "9006,A0004,公园厕所年久失修,2020/1/5 8:05:09,公园里的公共厕所年久失修，气味难闻，希望尽快维修。,"
    "已安排维修。,2020/1/3 9:00:00,,\n"
)


def write_csv(tmp_path, text=CSV_TEXT, name="messages.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_messages", str(path), *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def local(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def test_csv_rows_keep_their_times_replies_and_events(tmp_path, client):
    out, err = run(write_csv(tmp_path), "--region", "530900")

    assert "新建留言 2 条（其中已答复 1 条），已导入而跳过 0 条，错误 4 行" in out
    assert "行/秒" in out
    replied = Message.objects.get(source_ref="9001")
    assert replied.serial == "IM9001"
    assert replied.title == "学校门口 交通拥堵"
    assert replied.body == "每天上学放学时段\n学校门口严重拥堵，请疏导。"
    # Replied in 2019: the rating window ended long ago, so it is closed as of the window's end.
    assert replied.state == MessageState.CLOSED
    window = timedelta(days=settings.LIUYAN_RATING_WINDOW_DAYS)
    assert replied.closed_at == replied.replied_at + window
    assert replied.created_at == replied.published_at == local(2019, 4, 25, 9, 32, 9)
    assert replied.replied_at == local(2019, 5, 6, 10, 0, 0)
    assert (replied.support_count, replied.oppose_count) == (12, 3)
    leader = Leader.objects.get(code="530900-secretary")
    assert (replied.region_id, replied.leader, replied.desk_id) == ("530900", leader, leader.desk_id)
    assert replied.message_type.code == "suggestion" and replied.domain.name == "其他"
    assert replied.search_tokens

    reply = Reply.objects.get(messages=replied)
    assert reply.body == "已安排交警在上下学时段疏导交通。"
    assert reply.state == ReplyState.PUBLISHED and reply.unit == leader.desk == replied.unit
    assert reply.created_at == reply.reviewed_at == replied.replied_at
    assert [(e.kind, e.from_state, e.to_state, e.created_at) for e in replied.events.all()] == [
        (EventKind.SUBMITTED, "", MessageState.PENDING_REVIEW, replied.created_at),
        (EventKind.PUBLISHED, MessageState.PENDING_REVIEW, MessageState.PUBLISHED, replied.created_at),
        (EventKind.REPLY_APPROVED, MessageState.PUBLISHED, MessageState.REPLIED, replied.replied_at),
        (EventKind.CLOSED, MessageState.REPLIED, MessageState.CLOSED, replied.closed_at),
    ]
    assert replied.events.first().actor == replied.author
    assert replied.events.last().note == "评价期满未评价，自动办结。"

    published = Message.objects.get(source_ref="9002")
    assert published.state == MessageState.PUBLISHED and published.replied_at is None
    assert published.body == "请问老旧小区加装电梯有没有补贴政策？"
    assert published.created_at == local(2017, 6, 8, 17, 31, 20)
    assert not published.replies.exists()
    assert [e.kind for e in published.events.all()] == [EventKind.SUBMITTED, EventKind.PUBLISHED]

    author = replied.author
    assert author.username == "import-A0001" and not author.is_active and not author.has_usable_password()

    assert err.splitlines() == [
        "第 5 行：留言时间无法识别：“2019/13/40 25:00:00”",
        "第 6 行：缺少留言主题",
        "第 7 行：有答复意见但缺少答复时间",
        "第 8 行：答复时间早于留言时间",
    ]
    # The public site finds and shows the imported messages, reply included.
    found = client.get("/search/", {"q": "拥堵"}).content.decode()
    assert "学校门口 交通<mark>拥堵</mark>" in found  # the found word is marked
    page = client.get(f"/messages/{replied.pk}/").content.decode()
    assert "已安排交警在上下学时段疏导交通。" in page


def test_a_reply_still_open_to_rating_stays_replied_and_the_periodic_job_closes_it_later(tmp_path):
    asked = timezone.localtime() - timedelta(days=3)
    answered = asked + timedelta(days=1)
    row = f"9101,A0001,公交站台遮雨棚破损,{asked:%Y-%m-%d %H:%M:%S},站台遮雨棚破损漏雨，请尽快修复。,"
    run(
        write_csv(tmp_path, HEADER + row + f"已安排维修。,{answered:%Y-%m-%d %H:%M:%S},,\n"),
        "--region",
        "530900",
    )

    message = Message.objects.get(source_ref="9101")
    assert message.state == MessageState.REPLIED and message.closed_at is None
    assert close_unrated() == 0
    later = message.replied_at + timedelta(days=settings.LIUYAN_RATING_WINDOW_DAYS, minutes=1)
    assert close_unrated(now=later) == 1
    message.refresh_from_db()
    assert message.state == MessageState.CLOSED and message.closed_at == later


def test_a_second_run_creates_nothing(tmp_path):
    path = write_csv(tmp_path)
    run(path, "--region", "530900")
    counts = (Message.objects.count(), Event.objects.count(), Reply.objects.count())

    out, _err = run(path, "--region", "530900")

    assert "新建留言 0 条（其中已答复 0 条），已导入而跳过 2 条，错误 4 行" in out
    assert "这些留言都已导入过，没有新建。" in out
    assert (Message.objects.count(), Event.objects.count(), Reply.objects.count()) == counts


def test_a_second_run_segments_imported_messages_left_without_search_tokens(tmp_path):
    path = write_csv(tmp_path)
    run(path, "--region", "530900")
    Message.objects.filter(source_ref="9002").update(search_tokens="")

    out, _err = run(path, "--region", "530900", "--json")

    assert (json.loads(out)["created"], json.loads(out)["indexed"]) == (0, 1)
    assert "电梯" in Message.objects.get(source_ref="9002").search_tokens.split()


def test_search_later_leaves_segmenting_to_a_task(tmp_path):
    from django_tasks_db.models import DBTaskResult

    from liuyan.board.tasks import segment_imported

    out, _err = run(write_csv(tmp_path), "--region", "530900", "--search-later", "--json")
    summary = json.loads(out)
    assert summary["created"] == 2 and summary["search_deferred"] and summary["indexed"] == 0
    assert set(Message.objects.values_list("search_tokens", flat=True)) == {""}
    assert DBTaskResult.objects.filter(task_path="liuyan.board.tasks.segment_imported").count() == 1
    assert segment_imported.call() == 2
    assert "电梯" in Message.objects.get(source_ref="9002").search_tokens.split()


def test_a_known_number_with_another_title_is_a_bad_row(tmp_path):
    run(write_csv(tmp_path), "--region", "530900")
    other = HEADER + "9002,A0009,完全不同的另一条留言,2019/4/25 9:32:09,内容也完全不同，但是编号相同。,,,,\n"

    _out, err = run(write_csv(tmp_path, other, "other.csv"), "--region", "530900")

    assert err.strip() == "第 2 行：留言编号 9002 已导入过另一条留言（标题不同）"
    assert Message.objects.get(source_ref="9002").title == "老旧小区加装电梯补贴"


def test_a_batch_the_database_refuses_is_written_row_by_row(tmp_path):
    """A serial already taken makes the batch insert fail: only that row is lost."""
    run(
        write_csv(
            tmp_path, HEADER + "77,A0001,先有的一条留言标题,2019/4/25 9:32:09,先导入的这条留言内容。,,,,\n"
        ),
        "--region",
        "530900",
    )
    Message.objects.filter(source_ref="77").update(serial="IM9002", source_ref="")

    out, err = run(write_csv(tmp_path), "--region", "530900", "--batch-size", "100")

    assert "新建留言 1 条" in out
    assert "第 4 行：数据库拒绝写入" in err
    assert Message.objects.filter(source_ref="9001").exists()
    assert not Message.objects.filter(source_ref="9002").exists()


def test_xlsx_with_date_cells_labels_and_a_region_column(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级标签", "城市", "点赞数"])
    sheet.append(
        [
            501,
            "U1",
            "学校食堂饭菜质量差",
            datetime(2019, 3, 1, 8, 0),
            "孩子反映学校食堂的饭菜质量很差。",
            "教育",
            "临沧市",
            4.0,
        ]
    )
    sheet.append(
        [
            502,
            "U2",
            "小区门口垃圾没人清",
            "2019-03-02 09:15:00",
            "小区门口的垃圾堆了一个星期没有人清理。",
            "卫生计生",
            "530923",
            None,
        ]
    )
    sheet.append(
        [
            503,
            "U3",
            "朝阳区的路面坑洼",
            "2019/3/3 10:00:00",
            "这条路的路面坑洼不平，下雨天积水严重。",
            "",
            "朝阳区",
            None,
        ]
    )
    sheet.append(
        [
            504,
            "U3",
            "不存在地区的留言",
            "2019/3/3 10:00:00",
            "这条留言的地区在目录里找不到。",
            "",
            "火星市",
            None,
        ]
    )
    sheet.append([None, None, None, None, None, None, None, None])
    sheet.append(
        [
            505,
            "U4",
            "点赞数不是数字的留言",
            "2019/3/3 10:00:00",
            "这条留言的点赞数写成了文字。",
            "",
            "530900",
            "很多",
        ]
    )
    path = tmp_path / "messages.xlsx"
    workbook.save(path)

    out, err = run(path, "--map", "编号=留言编号", "--map", "城市=地区", "--type", "complaint")

    assert "新建留言 2 条" in out
    assert err.splitlines() == [
        "第 4 行：地区“朝阳区”对应多个行政区划，请填写区划代码",
        "第 5 行：地区无法识别：“火星市”",
        "第 7 行：点赞数应为非负整数，现在是“很多”",
        "注意：一级分类“卫生计生”不是已有领域，1 条留言归入默认领域。",
    ]
    canteen = Message.objects.get(source_ref="501")
    assert canteen.created_at == local(2019, 3, 1, 8, 0)
    assert (canteen.region_id, canteen.leader.code) == ("530900", "530900-secretary")
    assert canteen.domain.name == "教育" and canteen.message_type.code == "complaint"
    assert canteen.support_count == 4
    county = Message.objects.get(source_ref="502")
    assert county.region_id == "530923" and county.leader.region_id == "530923"
    assert county.domain.name == "其他"


def test_options_leader_unit_and_parallel_segmenting(tmp_path):
    out, _err = run(
        write_csv(tmp_path), "--leader", "530900-head", "--unit", "530900-education", "--json", "--jobs", "2"
    )

    summary = json.loads(out)
    assert (summary["created"], summary["replies"], summary["skipped"], summary["bad"]) == (2, 1, 0, 4)
    assert [row["row"] for row in summary["bad_rows"]] == [5, 6, 7, 8]
    assert summary["rows_per_second"] > 0
    message = Message.objects.get(source_ref="9001")
    assert message.leader.code == "530900-head" and message.region_id == "530900"
    education = Unit.objects.get(code="530900-education")
    assert message.unit == education and message.replies.get().unit == education
    assert message.replies.get().author.username == "import-unit-530900-education"
    # Segmented by the worker processes of --jobs 2.
    assert (
        summary["indexed"] == 2 and not Message.objects.filter(source_ref__gt="", search_tokens="").exists()
    )
    assert message.search_tokens.split()[:4] == ["学校", "门口", "交通", "拥堵"]


def test_gb18030_files_are_read(tmp_path):
    out, _err = run(write_csv(tmp_path, encoding="gb18030"), "--region", "530900")
    assert "新建留言 2 条" in out
    assert Message.objects.filter(title="老旧小区加装电梯补贴").exists()


@pytest.mark.parametrize(
    ("args", "text", "error"),
    [
        ((), CSV_TEXT, "--region"),
        (("--region", "999999"), CSV_TEXT, "999999"),
        (("--region", "530900", "--leader", "110105-head"), CSV_TEXT, "范围"),
        (("--region", "530900"), "编号,标题\n1,x\n", "留言编号、留言用户、留言主题、留言时间、留言详情"),
        (("--region", "530900", "--map", "标题"), CSV_TEXT, "源列名=目标列"),
    ],
)
def test_what_cannot_be_imported_at_all_is_refused(tmp_path, args, text, error):
    with pytest.raises(CommandError, match=error):
        run(write_csv(tmp_path, text), *args)
    assert not Message.objects.filter(source_ref__gt="").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019/4/25 9:32:09", local(2019, 4, 25, 9, 32, 9)),
        (" 2017-06-08\t17:31:20 ", local(2017, 6, 8, 17, 31, 20)),
        ("2018/4/24", local(2018, 4, 24)),
        ("2019年4月5日 9:32", local(2019, 4, 5, 9, 32)),
        ("2019-04-25T01:32:09+00:00", local(2019, 4, 25, 9, 32, 9)),
        (43580.5, local(2019, 4, 25, 12, 0)),
        ("2019/2/30 9:00:00", None),
        ("昨天", None),
    ],
)
def test_timestamp_formats(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.slow
def test_the_real_xlsx_holds_the_same_rows_as_the_csv(shared_data):
    folder = shared_data / "taidi2020"
    out, err = run(folder / "replied_messages.csv", "--region", "430100", "--json")
    first = json.loads(out)
    assert first["created"] == first["replies"] == first["rows"] > 2700 and not err

    out, err = run(folder / "replied_messages.xlsx", "--region", "430100", "--json")

    again = json.loads(out)
    assert (again["created"], again["skipped"], again["bad"]) == (0, first["rows"], 0) and not err


def test_control_characters_are_taken_out_and_reported(tmp_path):
    text = (
        HEADER + "9101,A0101,学校门口\x00交通拥堵,2019/4/25 9:32:09,"
        '"每天上学放学时段\x1b[0m学校门口\n严重拥堵\ufffe，请疏导。",'
        "已安排\x07交警疏导。,2019/5/6 10:00:00,,\n"
    )
    out, err = run(write_csv(tmp_path, text), "--region", "530900", "--json")

    report = json.loads(out)
    assert report["created"] == 1
    assert report["stripped_rows"] == [{"row": 2, "characters": 4}]
    assert "第 2 行：去掉了 4 个控制字符或无效字符后导入。" in err
    message = Message.objects.get(source_ref="9101")
    assert message.title == "学校门口交通拥堵"
    assert message.body == "每天上学放学时段[0m学校门口\n严重拥堵，请疏导。"
    assert message.replies.get().body == "已安排交警疏导。"
