"""The workbench queues as tables: search, filters, sort and numbered pages kept in the URL; bad filter
values refused in Chinese and ignored; returned messages in 被退回 only, with the reason; the desk's routing
suggestions; the bulk toolbar's form; and bounded queries with filters and suggestions."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liuyan.board.actions import dispatch, handling, oversight
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Region
from liuyan.intelligence.analyze import message_domains, messages_domains
from liuyan.intelligence.classifier import TextClassifier, forget_loaded_classifiers
from liuyan.intelligence.routing_choice import best_suggestions
from tests.factories import make_message, unit_of
from tests.factories import submitted_and_published as published
from tests.intelligence.test_classifier import HOSPITAL, SCHOOL, TRAFFIC

pytestmark = pytest.mark.django_db

DESK = "/workbench/queues/desk_incoming/"


def serials(response) -> list[str]:
    return [m.serial for m in response.context["rows"]]


def another_county() -> str:
    return Region.objects.filter(parent_id="530900").exclude(pk="530923").order_by("code").first().pk


def test_desk_queue_is_a_table_with_the_row_columns(client, dispatcher, citizen, admin_user):
    message = published(citizen, admin_user, title="永德县某校门口拥堵")
    client.force_login(dispatcher)
    response = client.get(DESK)
    html = response.content.decode()
    assert '<table class="wb-table"' in html
    for heading in ("编号", "标题", "地区", "类型 / 领域", "刊发时间", "状态", "系统建议单位", "操作"):
        assert f'<th scope="col">{heading}</th>' in html
    assert f'<a href="/workbench/messages/{message.pk}/">{message.serial}</a>' in html
    assert "永德县" in html and "投诉 / 教育" in html
    assert timezone.localtime(message.published_at).strftime("%Y-%m-%d %H:%M") in html


def test_returned_message_is_listed_in_returned_only_with_its_reason(
    client, dispatcher, handler, citizen, admin_user
):
    waiting = published(citizen, admin_user, title="新到的留言")
    returned = make_message(citizen, admin_user, MessageState.ASSIGNED, title="被退回的留言")
    dispatch.return_message(handler, returned.pk, "不属于本单位职责，应由住建部门办理")
    client.force_login(dispatcher)
    incoming = client.get(DESK)
    assert serials(incoming) == [waiting.serial]
    back = client.get("/workbench/queues/desk_returned/")
    assert serials(back) == [returned.serial]
    html = back.content.decode()
    assert "不属于本单位职责，应由住建部门办理" in html
    assert "临沧市教育局（handler）" in html or "临沧市教育局（" in html
    assert '<span class="flag returned">被退回</span>' in html
    # The badges count the rows each queue shows: one each, not two in 待交办.
    groups = dict(back.context["groups"])["交办"]
    badges = {name: count for name, _label, count, _alert in groups}
    assert badges["desk_incoming"] == "1" and badges["desk_returned"] == "1"


def test_search_by_title_and_by_exact_serial(client, dispatcher, citizen, admin_user):
    road = published(citizen, admin_user, title="村道塌方无人修")
    school = published(citizen, admin_user, title="学校食堂卫生差")
    client.force_login(dispatcher)
    assert serials(client.get(DESK, {"q": "塌方"})) == [road.serial]
    assert serials(client.get(DESK, {"q": school.serial.lower()})) == [school.serial]
    assert serials(client.get(DESK, {"q": "不存在的词"})) == []
    html = client.get(DESK, {"q": "不存在的词"}).content.decode()
    assert "没有符合筛选条件的事项" in html and "符合筛选条件 0 条（队列共 2 条）" in html


def test_filters_by_county_subtree_domain_and_type(client, dispatcher, citizen, admin_user):
    county = another_county()
    here = published(citizen, admin_user, region=county, domain="交通", title="县城红绿灯故障")
    published(citizen, admin_user, region=county, domain="教育", title="县城学校缺老师")
    published(citizen, admin_user, domain="交通", title="永德县道路破损")
    client.force_login(dispatcher)
    by_place = client.get(DESK, {"region": county})
    assert len(by_place.context["rows"]) == 2
    traffic = client.get(DESK, {"region": county, "domain": "交通"})
    assert serials(traffic) == [here.serial]
    domain_id = traffic.context["filters"].domain_ids[0]
    assert serials(client.get(DESK, {"region": county, "domain": str(domain_id)})) == [here.serial]
    assert len(client.get(DESK, {"type": "complaint"}).context["rows"]) == 3
    assert len(client.get(DESK, {"type": "建言"}).context["rows"]) == 0
    # The region select offers the desk's city and the places one level below it, selected as filtered.
    html = traffic.content.decode()
    assert '<option value="530900">临沧市</option>' in html
    assert re.search(rf'<option value="{county}" selected>\u3000', html)
    assert "符合筛选条件 1 条（队列共 3 条）" in html


def test_a_place_outside_the_scope_shows_nothing_of_others(client, dispatcher, citizen, admin_user):
    published(citizen, admin_user)
    make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False)  # 北京's desk
    client.force_login(dispatcher)
    response = client.get(DESK, {"region": "110105"})
    assert response.status_code == 200 and response.context["rows"] == []


def test_flags_state_and_deadline_sort_on_the_overdue_queue(client, dispatcher, citizen, admin_user):
    late = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="久拖未办")
    later = make_message(citizen, admin_user, MessageState.ASSIGNED, title="迟迟未受理")
    Message.objects.filter(pk=late.pk).update(reply_deadline=timezone.now() - timedelta(days=1))
    Message.objects.filter(pk=later.pk).update(
        accept_deadline=timezone.now() - timedelta(hours=3), urgent=True
    )
    oversight.remind_message(dispatcher, late.pk, "请尽快办理")
    oversight.supervise_message(dispatcher, later.pk, "")
    client.force_login(dispatcher)
    queue = "/workbench/queues/desk_overdue/"
    # The running deadline of each: replying for the one in progress, accepting for the assigned one.
    assert serials(client.get(queue, {"sort": "deadline"})) == [late.serial, later.serial]
    assert serials(client.get(queue, {"state": "assigned"})) == [later.serial]
    assert serials(client.get(queue, {"urgent": "1"})) == [later.serial]
    assert serials(client.get(queue, {"supervised": "on"})) == [later.serial]
    assert serials(client.get(queue, {"overdue": "1"})) == serials(client.get(queue, {"sort": "deadline"}))
    html = client.get(queue).content.decode()
    assert "已催办 1" in html and '<span class="flag overdue">超期</span>' in html
    assert (
        '<span class="flag urgent">紧急</span>' in html
        and '<span class="flag supervised">督办</span>' in html
    )


def test_newest_and_oldest_sort_by_the_time_shown(client, dispatcher, citizen, admin_user):
    first = published(citizen, admin_user, title="第一条留言")
    second = published(citizen, admin_user, title="第二条留言")
    Message.objects.filter(pk=first.pk).update(published_at=timezone.now() - timedelta(days=2))
    client.force_login(dispatcher)
    assert serials(client.get(DESK)) == [first.serial, second.serial]  # 待交办: oldest first
    assert serials(client.get(DESK, {"sort": "newest"})) == [second.serial, first.serial]
    assert serials(client.get(DESK, {"sort": "oldest"})) == [first.serial, second.serial]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"domain": "99999"}, "领域：没有这个领域"),
        ({"domain": "不存在的领域"}, "领域：没有这个领域"),
        ({"region": "abc"}, "地区：应为 6 位（乡镇 9 位）行政区划代码"),
        ({"region": "５３０９２３"}, "地区：应为 6 位（乡镇 9 位）行政区划代码"),
        ({"region": "999999"}, "地区：没有代码为 999999 的地区"),
        ({"page": str(10**20)}, "页码：页码应为 1 至 100000"),
        ({"page": "２"}, "页码：页码应为"),
        ({"q": "学校\x00"}, "搜索：不能包含控制字符"),
        ({"type": "x" * 40}, "类型：没有这个留言类型"),
        ({"campaign": "no-such"}, "专栏：没有这个专栏"),
        ({"urgent": "maybe"}, "紧急：应为 1（是）或 0（否）"),
        ({"state": "closed"}, "状态：这个队列里没有这种状态的事项"),
        ({"sort": "deadline"}, "排序：排序方式应为"),
    ],
)
def test_bad_filter_values_are_named_in_chinese_and_ignored(
    client, dispatcher, citizen, admin_user, params, named
):
    message = published(citizen, admin_user)
    client.force_login(dispatcher)
    response = client.get(DESK, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "以下筛选条件无效，已忽略" in html and named in html
    assert serials(response) == [message.serial]  # the filter was left out


def test_a_bad_value_leaves_the_other_filters_in_force(client, dispatcher, citizen, admin_user):
    road = published(citizen, admin_user, title="村道塌方无人修")
    published(citizen, admin_user, title="学校食堂卫生差")
    client.force_login(dispatcher)
    response = client.get(DESK, {"q": "塌方", "region": "abc"})
    assert serials(response) == [road.serial]


def test_numbered_pages_keep_the_filters(client, editor, citizen, admin_user):
    for n in range(45):
        make_message(citizen, admin_user, title=f"待审核留言第{n:02d}号")
    make_message(citizen, admin_user, title="另一个话题", domain="交通")
    client.force_login(editor)
    queue = "/workbench/queues/to_moderate/"
    response = client.get(queue, {"domain": "教育", "page": "3"})
    assert len(response.context["rows"]) == 5
    html = response.content.decode()
    assert "第 3 / 3 页" in html and '<span class="current" aria-current="page">3</span>' in html
    assert 'href="?domain=%E6%95%99%E8%82%B2&amp;sort=oldest&amp;page=1"' in html
    assert "符合筛选条件 45 条（队列共 46 条）" in html
    # Past the last page: the last page.
    assert client.get(queue, {"page": "99"}).context["page"].number == 3


def test_counts_stop_at_the_cap_and_say_so(client, editor, citizen, admin_user, monkeypatch):
    monkeypatch.setattr("liuyan.board.paging.COUNT_CAP", 10)
    monkeypatch.setattr("liuyan.board.queues.PER_PAGE", 5)
    for n in range(12):
        make_message(citizen, admin_user, title=f"待审核留言第{n:02d}号")
    client.force_login(editor)
    html = client.get("/workbench/queues/to_moderate/").content.decode()
    assert "共 10+ 条" in html
    assert '<a href="?sort=oldest&amp;page=2">2</a>' in html and "第 1 / 2 页" in html


def test_desk_rows_show_the_suggestion_the_bulk_assign_uses(client, dispatcher, citizen, admin_user):
    message = published(citizen, admin_user, domain="教育", title="学校食堂卫生差")
    best = best_suggestions(dispatcher, [message.pk])[message.pk]
    client.force_login(dispatcher)
    html = client.get(DESK).content.decode()
    assert best.unit.name in html
    assert f"{best.confidence:.2f}" in html
    assert f'<input type="hidden" name="unit_id" value="{best.unit.pk}">' in html
    assert "交办给建议单位" in html


@pytest.mark.parametrize(
    ("role", "queue", "actions"),
    [
        ("editor", "to_moderate", ["publish", "hide"]),
        ("editor", "replies_to_review", ["approve-reply"]),
        ("dispatcher", "desk_incoming", ["assign"]),
        ("dispatcher", "desk_returned", ["assign"]),
        ("dispatcher", "desk_overdue", ["remind", "supervise"]),
        ("leader", "overdue", ["supervise"]),
    ],
)
def test_the_bulk_toolbar_offers_what_fits_the_queue(
    client, request, citizen, admin_user, handler, role, queue, actions
):
    state = {
        "to_moderate": MessageState.PENDING_REVIEW,
        "replies_to_review": MessageState.REPLY_REVIEW,
        "desk_returned": MessageState.ASSIGNED,
        "desk_overdue": MessageState.IN_PROGRESS,
        "overdue": MessageState.IN_PROGRESS,
    }.get(queue, MessageState.PUBLISHED)
    message = make_message(citizen, admin_user, state)
    if queue == "desk_returned":
        dispatch.return_message(handler, message.pk, "不属于本单位职责")
    Message.objects.filter(pk=message.pk).update(reply_deadline=timezone.now() - timedelta(days=1))
    client.force_login(request.getfixturevalue(role))
    response = client.get(f"/workbench/queues/{queue}/")
    html = response.content.decode()
    bulk = reverse("web:workbench-bulk")
    assert f'<form method="post" action="{bulk}" id="bulk-form"' in html
    assert re.findall(r'<select id="bulk-action" name="action">(.*?)</select>', html, re.S)
    offered = re.findall(
        r'<option value="([-a-z]+)">', html.split('id="bulk-action"')[1].split("</select>")[0]
    )
    assert offered == actions
    row_id = response.context["rows"][0].pk
    assert f'<input type="checkbox" name="ids" value="{row_id}"' in html
    assert "data-select-all" in html
    assert '<input type="hidden" name="next" value="' in html
    if "assign" in actions:
        assert (
            '<select id="bulk-unit" name="unit_id">\n        <option value="">各自的系统建议单位</option>'
            in html
        )
        assert unit_of(True).name in html
    if "supervise" in actions:
        assert 'name="note"' in html


def test_handler_queues_have_no_bulk_toolbar(client, handler, citizen, admin_user):
    make_message(citizen, admin_user, MessageState.ASSIGNED)
    client.force_login(handler)
    html = client.get("/workbench/queues/unit_to_accept/").content.decode()
    assert 'id="bulk-form"' not in html and '<table class="wb-table"' in html


def test_reply_and_extension_queues_are_tables_too(client, editor, dispatcher, handler, citizen, admin_user):
    make_message(citizen, admin_user, MessageState.REPLY_REVIEW, title="小区停车位不足")
    client.force_login(editor)
    html = client.get("/workbench/queues/replies_to_review/", {"q": "停车"}).content.decode()
    assert '<table class="wb-table"' in html and "小区停车位不足" in html
    assert "已安排交警在上下学时段疏导交通" in html
    assert client.get("/workbench/queues/replies_to_review/", {"q": "无关"}).context["rows"] == []
    working = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="宿舍漏雨")
    handling.request_extension(handler, working.pk, 3, "需要补充材料")
    client.force_login(dispatcher)
    response = client.get("/workbench/queues/extensions_pending/", {"sort": "deadline"})
    html = response.content.decode()
    assert '<table class="wb-table"' in html and "宿舍漏雨" in html and "需要补充材料" in html


def test_desk_queue_with_filters_and_suggestions_stays_within_thirty_queries(
    client, dispatcher, citizen, admin_user, django_assert_max_num_queries
):
    county = another_county()
    for n in range(25):
        published(citizen, admin_user, region=county if n % 2 else "530923", title=f"留言第{n:02d}号关于学校")
    client.force_login(dispatcher)
    with django_assert_max_num_queries(30):
        response = client.get(DESK, {"q": "学校", "domain": "教育", "type": "complaint", "sort": "newest"})
    assert response.status_code == 200 and len(response.context["rows"]) == 20
    assert all(m.suggestion is not None for m in response.context["rows"])
    with django_assert_max_num_queries(30):
        response = client.get(DESK, {"region": county, "page": "1"})
    assert len(response.context["rows"]) == 12


@pytest.fixture
def domain_model(tmp_path, settings):
    """A domain classifier trained on a few texts (labels as the Teddy Cup data names them)."""
    settings.LIUYAN_MODEL_DIR = tmp_path / "models"
    forget_loaded_classifiers()
    texts = TRAFFIC + SCHOOL + HOSPITAL
    TextClassifier().fit(texts, ["交通运输"] * 10 + ["教育文体"] * 10 + ["卫生计生"] * 10).save("domain")
    yield
    forget_loaded_classifiers()


def test_with_a_trained_classifier_a_page_of_suggestions_costs_what_one_row_does(
    client, dispatcher, citizen, admin_user, domain_model, django_assert_max_num_queries
):
    for n in range(22):
        published(citizen, admin_user, domain="教育" if n % 2 else "交通", title=f"留言第{n:02d}号关于学校")
    messages = list(Message.objects.select_related("region", "domain__parent__parent").order_by("pk"))
    # The classifier runs once over the page: the same domains and probabilities as row by row.
    batched = messages_domains(messages)
    single = [message_domains(m, f"{m.title}\n{m.body}") for m in messages]
    assert [[d.pk for d, _p in row] for row in batched] == [[d.pk for d, _p in row] for row in single]
    assert [[p for _d, p in row] for row in batched] == [
        pytest.approx([p for _d, p in row]) for row in single
    ]
    client.force_login(dispatcher)
    with django_assert_max_num_queries(30):
        response = client.get(DESK)
    assert all(m.suggestion is not None for m in response.context["rows"])


def test_a_pages_suggestions_are_kept_for_its_next_showing(client, dispatcher, citizen, admin_user):
    for n in range(3):
        published(citizen, admin_user, title=f"留言第{n:02d}号关于学校")
    client.force_login(dispatcher)
    with CaptureQueriesContext(connection) as first:
        shown = client.get(DESK).content.decode()
    with CaptureQueriesContext(connection) as again:
        assert client.get(DESK).content.decode().count('<td class="wb-suggestion">') == 3
    routing = [q["sql"] for q in again.captured_queries if "directory_routingrule" in q["sql"]]
    assert routing == [] and len(again) < len(first)
    assert shown.count('<td class="wb-suggestion">') == 3
