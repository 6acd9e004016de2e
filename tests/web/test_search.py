"""Full-text search (board/search.py) and the search page: Chinese words found whatever their order or the
text around them, on SQLite (FTS5) and PostgreSQL (GIN over tsvector), never by masked personal data."""

import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liuyan.board import search
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.board.selectors import public_messages, region_filter
from tests.api.openapi import assert_matches_openapi
from tests.factories import make_message

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def found(q: str, queryset=None) -> list[int]:
    return [m.id for m in search.search_messages(queryset or public_messages(), q)]


@pytest.fixture
def corpus(citizen, admin_user):
    """A few published messages whose words substring matching would get wrong."""

    def publish(title, body):
        return make_message(citizen, admin_user, MessageState.PUBLISHED, title=title, body=body)

    return {
        "school": publish(
            "学校门口交通拥堵", "每天上学放学时段学校门口严重拥堵，存在安全隐患，请有关部门疏导。"
        ),
        "bridge": publish("南京市长江大桥夜间照明", "大桥上的路灯有一半不亮，晚上行车很危险，希望尽快维修。"),
        "road": publish("路口交通很拥堵", "早晚高峰时段这个路口车辆排成长队，建议优化红绿灯配时。"),
        "elevator": publish("老旧小区加装电梯", f"我们小区想加装电梯，请问补贴政策是什么？电话 {PHONE}"),
        "pending": make_message(
            citizen,
            admin_user,
            MessageState.PENDING_REVIEW,
            title="学校门口交通拥堵",
            body="还没有审核的留言内容",
        ),
    }


def test_tokens_are_jieba_words_lower_cased_without_punctuation():
    assert search.tokenize("学校门口交通拥堵，ABC！") == ["学校", "门口", "交通", "拥堵", "交通拥堵", "abc"]
    tokens = search.document_tokens("标题", f"请拨打 {PHONE}。").split()
    assert PHONE not in tokens and tokens[:2] == ["标题", "标题"]  # masked; the title counts twice


def test_a_query_word_matches_itself_or_the_words_inside_it():
    assert search.query_terms("交通拥堵的学校") == [[("交通拥堵",), ("交通", "拥堵")], [("学校",)]]
    assert search.query_terms("！？ 。") == []


def test_words_in_another_order_are_found(corpus):
    # Substring matching misses both: neither string occurs in the message.
    assert found("拥堵 学校") == [corpus["school"].id]
    assert found("交通拥堵学校") == [corpus["school"].id]


def test_a_word_split_differently_is_still_found(corpus):
    # "交通很拥堵" never contains the substring "交通拥堵", yet it is about the same thing.
    assert set(found("交通拥堵")) == {corpus["school"].id, corpus["road"].id}


def test_a_word_across_a_word_boundary_is_not_found(corpus):
    # 南京市 / 长江大桥: substring matching would wrongly find "市长" (mayor) here.
    assert corpus["bridge"].title.find("市长") > 0
    assert found("市长") == []
    assert found("长江大桥") == [corpus["bridge"].id]


def test_results_are_ranked_by_relevance_then_recency(citizen, admin_user):
    in_body = make_message(
        citizen,
        admin_user,
        MessageState.PUBLISHED,
        title="关于道路的建议",
        body="希望在村口修一座桥梁方便出行。",
    )
    in_title = make_message(
        citizen,
        admin_user,
        MessageState.PUBLISHED,
        title="村口桥梁年久失修",
        body="每逢雨季都很危险，请尽快维修。",
    )
    older = make_message(
        citizen,
        admin_user,
        MessageState.PUBLISHED,
        title="关于出行的建议",
        body="希望在村口修一座桥梁方便出行。",
    )
    Message.objects.filter(pk=older.pk).update(published_at=in_body.published_at.replace(year=2020))
    assert found("桥梁") == [in_title.id, in_body.id, older.id]


def test_search_keeps_the_queryset_filters(corpus):
    assert corpus["pending"].id not in found("学校")
    assert set(found("学校", Message.objects.all())) == {corpus["pending"].id, corpus["school"].id}


def test_masked_personal_data_is_not_searchable(corpus):
    assert found(PHONE) == []
    assert found("电梯 补贴") == [corpus["elevator"].id]


def test_a_query_without_words_falls_back_to_substring_matching(citizen, admin_user):
    message = make_message(
        citizen, admin_user, MessageState.PUBLISHED, body="价格标签写着 ¥¥¥ 却收了更多钱。"
    )
    assert found("¥¥¥") == [message.id]
    assert found("") == found("   ") == list(public_messages().values_list("id", flat=True))


def test_reindex_fills_tokens_and_keeps_the_index_in_step(corpus, capsys):
    Message.objects.update(search_tokens="")
    assert found("学校") == []
    call_command("reindex_search", batch_size=2)
    assert "5 条留言" in capsys.readouterr().out
    assert found("学校") == [corpus["school"].id]
    school = corpus["school"]
    Message.objects.filter(pk=school.pk).update(search_tokens=search.document_tokens("路面塌陷", "路面塌陷"))
    assert found("学校") == [] and found("塌陷") == [school.id]


def test_the_database_index_exists():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'message_search_vector_gin'")
            assert "gin (search_vector)" in cursor.fetchone()[0]
            cursor.execute(
                "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef JOIN pg_attribute "
                "ON attrelid = adrelid AND attnum = adnum "
                "WHERE adrelid = 'board_message'::regclass AND attname = 'search_vector'"
            )
            assert cursor.fetchone()[0] == "to_tsvector('simple'::regconfig, search_tokens)"
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE 'board_message_fts%' ORDER BY name"
            )
            names = {row[0] for row in cursor.fetchall()}
            assert {"board_message_fts", *search.SQLITE_TRIGGERS} <= names


@pytest.mark.postgres
def test_postgres_knows_the_size_of_a_code_prefix(citizen, admin_user):
    """A partial index's expressions get no statistics (PostgreSQL took every province for 0.5% of the
    messages); migration 0012 gathers them for the prefixes a place filter uses, so that a search in a
    province is windowed on what the province holds."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    for i in range(12):
        make_message(citizen, admin_user, MessageState.PUBLISHED, inside=i >= 3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE board_message")
    for code, inside in [("530000", 9), ("530900", 9), ("110000", 3)]:
        rows = public_messages().filter(region_filter(code)).values("pk")
        (plan,) = json.loads(rows.explain(format="json"))
        assert "substring" in json.dumps(plan)  # the prefix, as the province and prefecture indexes hold it
        assert inside / 2 <= plan["Plan"]["Plan Rows"] <= inside * 2, (code, plan["Plan"]["Plan Rows"])


@pytest.mark.postgres
def test_a_missing_stored_vector_is_created_after_migrate(corpus):
    """A PostgreSQL database that recorded migration 0006 while it was an empty placeholder."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL stores the vector")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending on the table
        cursor.execute("ALTER TABLE board_message DROP COLUMN search_vector")
    search.ensure_postgres_vector(connection)
    assert found("长江大桥") == [corpus["bridge"].id]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'message_search_vector_gin'")
        assert cursor.fetchone()[0] == 1
    search.ensure_postgres_vector(connection)  # nothing to do


def test_missing_sqlite_triggers_are_restored_and_the_index_rebuilt(corpus):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite keeps its index with triggers")
    with connection.cursor() as cursor:
        for name in search.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    Message.objects.filter(pk=corpus["bridge"].pk).update(search_tokens="隧道")
    assert found("隧道") == []  # the index drifted
    search.ensure_sqlite_index(connection)
    assert found("隧道") == [corpus["bridge"].id]


def bridges(citizen, admin_user, n: int) -> list[Message]:
    """`n` published messages about a bridge, oldest first, one day apart; only the oldest names it in its
    title, so it is the most relevant of all of them."""
    messages = [
        make_message(
            citizen,
            admin_user,
            MessageState.PUBLISHED,
            title="村口桥梁年久失修" if i == 0 else f"关于出行的第{i}条建议",
            body="希望在村口修一座桥梁方便出行。",
        )
        for i in range(n)
    ]
    start = messages[0].published_at - timedelta(days=n)
    for i, message in enumerate(messages):
        Message.objects.filter(pk=message.pk).update(published_at=start + timedelta(days=i))
    return messages


def test_only_the_newest_matches_are_ranked(citizen, admin_user, monkeypatch):
    messages = bridges(citizen, admin_user, 6)
    title_match = make_message(citizen, admin_user, MessageState.PUBLISHED, title="桥梁护栏损坏")
    monkeypatch.setattr(search, "CANDIDATES", 4)
    matches = search.search_messages(public_messages(), "桥梁")
    # The four newest: the title match first, then newest; the oldest (a title match too) is not reached.
    assert list(matches.ids) == [title_match.id, messages[5].id, messages[4].id, messages[3].id]
    assert [m.id for m in matches] == matches.ids and len(matches) == 4 and matches.more
    assert [m.id for m in matches[1:3]] == [messages[5].id, messages[4].id]
    assert matches[0].id == title_match.id
    monkeypatch.setattr(search, "CANDIDATES", 7)
    everything = search.search_messages(public_messages(), "桥梁")
    assert everything.ids[:2] == [messages[0].id, title_match.id] and not everything.more


def test_search_page_tells_when_more_match_than_are_ranked(client, citizen, admin_user, monkeypatch):
    bridges(citizen, admin_user, 5)
    monkeypatch.setattr(search, "CANDIDATES", 3)
    response = client.get("/search/", {"q": "桥梁"})
    html = response.content.decode()
    assert response.status_code == 200 and len(response.context["rows"]) == 3
    assert "以下是其中最新的 3 条，按相关程度排列" in html
    assert re.search(r"相关留言(超过 3 条|约 [0-9,.]+ 万?条)", html)
    monkeypatch.setattr(search, "CANDIDATES", 5)
    assert "找到 5 条相关留言" in client.get("/search/", {"q": "桥梁"}).content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999999", "1" * 30, "2.5"])
def test_search_page_numbers_never_fail(client, citizen, admin_user, page):
    bridges(citizen, admin_user, 3)
    response = client.get("/search/", {"q": "桥梁", "page": page})
    assert response.status_code == 200 and len(response.context["rows"]) == 3


@pytest.mark.postgres
@pytest.mark.parametrize("deep", [False, True], ids=["exact start", "interpolated start"])
def test_a_common_word_is_sought_in_a_recent_window_first(citizen, admin_user, monkeypatch, deep):
    """PostgreSQL: when the planner expects many more matches than are ranked, the candidates are sought
    among recent messages first; the result is the same as without the window. A window deeper than
    EXACT_DEPTH rows starts at a moment interpolated between the newest and the oldest publication, not at
    an OFFSET walked through the index (a rare word at 10M messages read 4.5M pages that way)."""
    if connection.vendor != "postgresql":
        pytest.skip("the window is PostgreSQL's")
    messages = bridges(citizen, admin_user, 40)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE board_message")
    monkeypatch.setattr(search, "CANDIDATES", 2)
    if deep:
        monkeypatch.setattr(search, "EXACT_DEPTH", 0)
    with CaptureQueriesContext(connection) as queries:
        ids = search.search_messages(public_messages(), "桥梁").ids
    assert ids == [messages[39].id, messages[38].id]
    ranking = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
    assert '"board_message"."published_at" >=' in ranking[0]
    if deep:
        assert not [q["sql"] for q in queries.captured_queries if "OFFSET" in q["sql"]]


@pytest.mark.postgres
def test_the_newest_messages_have_a_search_index_of_their_own(citizen, admin_user, monkeypatch):
    """PostgreSQL: the newest messages get a partial search index, kept while it covers at most twice as
    many as asked and then moved forward; the results do not change. (That the planner reads it for a
    common word's recent window shows at volume: bench/scale.py.)"""
    if connection.vendor != "postgresql":
        pytest.skip("the recent index is PostgreSQL's")
    messages = list(Message.objects.filter(pk__in=[m.pk for m in bridges(citizen, admin_user, 40)]))
    messages.sort(key=lambda m: m.published_at)
    with connection.cursor() as cursor:
        # The test's transaction holds deferred foreign-key checks, which CREATE INDEX may not leave behind.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ANALYZE board_message")
    monkeypatch.setattr(search, "CANDIDATES", 2)
    before = search.search_messages(public_messages(), "桥梁").ids
    assert search.recent_index_since() is None
    assert "已建立" in search.refresh_recent_index(covered=10)
    since = search.recent_index_since()
    assert since is not None and abs(since - messages[30].published_at) < timedelta(seconds=1)
    assert "仍然适用" in search.refresh_recent_index(covered=10)
    assert search.search_messages(public_messages(), "桥梁").ids == before == [m.id for m in messages[:-3:-1]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname LIKE %s", [search.RECENT_INDEX + "%"])
        (definition,) = cursor.fetchone()
    assert "gin (search_vector) WHERE (published_at >= " in definition, definition
    # Thirty more recent messages: the index would cover forty, more than twice ten; it moves forward.
    newer = bridges(citizen, admin_user, 30)
    Message.objects.filter(pk__in=[m.pk for m in newer]).update(published_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE board_message")
    search.forget_estimates()
    assert "已建立" in search.refresh_recent_index(covered=10)
    assert search.recent_index_since() > since
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE %s", [search.RECENT_INDEX + "%"])
        assert cursor.fetchone()[0] == 1


def test_the_recent_search_index_is_postgresql_only(db):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's full-text table needs no recent index")
    assert search.refresh_recent_index() == "无需近期检索索引（仅 PostgreSQL 使用）。"


def _lowest_nodes_computing(plan: dict, needle: str) -> list[dict]:
    """The plan nodes whose output holds `needle` while none of their children's does."""
    children = plan.get("Plans", [])
    below = [node for child in children for node in _lowest_nodes_computing(child, needle)]
    if below:
        return below
    return [plan] if any(needle in column for column in plan.get("Output", [])) else []


def _has_limit(plan: dict) -> bool:
    return plan["Node Type"] == "Limit" or any(_has_limit(child) for child in plan.get("Plans", []))


@pytest.mark.postgres
def test_a_search_ranks_a_limited_candidate_set_not_every_match(client, citizen, admin_user):
    """PostgreSQL: the statement that ranks computes ts_rank only above a LIMIT, so a common word's
    hundred thousand matches are never all ranked (nor counted: no statement counts)."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    bridges(citizen, admin_user, 5)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/search/", {"q": "桥梁"}).status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    ranking = [sql for sql in statements if "ts_rank" in sql]
    assert len(ranking) == 1 and not any("COUNT(" in sql.upper() for sql in statements)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (VERBOSE, FORMAT JSON) {ranking[0]}")
        plan = cursor.fetchone()[0][0]["Plan"]
    ranked = _lowest_nodes_computing(plan, "ts_rank")
    assert ranked and all(_has_limit(node) for node in ranked), json.dumps(plan, ensure_ascii=False)


# ---- The search page and the API ----


def test_search_page_lists_matches(client, corpus, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get("/search/", {"q": "拥堵 学校"})
    html = response.content.decode()
    assert response.status_code == 200
    assert [row.message.id for row in response.context["rows"]] == [corpus["school"].id]
    assert "找到 1 条相关留言" in html and 'value="拥堵 学校"' in html


def test_search_page_without_a_query_asks_for_one(client):
    html = client.get("/search/").content.decode()
    assert "请输入要搜索的词" not in html and 'name="q"' in html
    response = client.get("/search/", {"q": "  "})
    assert "请输入要搜索的词。" in response.content.decode()
    response = client.get("/search/", {"q": "长" * 51})
    assert "搜索词不能超过 50 个字。" in response.content.decode()


def test_a_serial_number_opens_its_message(client, corpus):
    school = corpus["school"]
    response = client.get("/search/", {"q": school.serial.lower()})
    assert response.status_code == 302 and response["Location"] == f"/messages/{school.id}/"
    pending = corpus["pending"]  # not visible: searched as words, found nowhere
    assert client.get("/search/", {"q": pending.serial}).status_code == 200


def test_an_imported_serial_opens_its_message(client, corpus):
    school = corpus["school"]
    Message.objects.filter(pk=school.pk).update(serial="IM188006")
    response = client.get("/search/", {"q": "im188006"})
    assert response.status_code == 302 and response["Location"] == f"/messages/{school.id}/"
    assert client.get("/search/", {"q": "IM999999"}).status_code == 200  # no such message: a word search


def test_search_page_query_count(client, citizen, admin_user, django_assert_max_num_queries):
    for i in range(50):
        make_message(citizen, admin_user, MessageState.PUBLISHED, title=f"第{i}个路口交通拥堵")
    with django_assert_max_num_queries(8):
        response = client.get("/search/", {"q": "交通拥堵", "page": 2})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 50 and len(response.context["rows"]) == 20


def test_the_api_list_uses_the_same_search(client, corpus):
    response = client.get("/api/v1/messages", {"q": "拥堵 学校"})
    body = assert_matches_openapi(response, "GET", "/api/v1/messages")
    assert [row["id"] for row in body["results"]] == [corpus["school"].id]


# ---- Filters, title matches first, marked words, page numbers, the empty state ----


def _publish(citizen, admin_user, title, body="", *, days_ago=0, **fields):
    body = f"{body or title}，请有关部门尽快处理。"  # a body has at least ten characters
    message = make_message(citizen, admin_user, MessageState.PUBLISHED, title=title, body=body, **fields)
    if days_ago:
        Message.objects.filter(pk=message.pk).update(
            published_at=message.published_at - timedelta(days=days_ago)
        )
    return Message.objects.get(pk=message.pk)


@pytest.fixture
def places(citizen, admin_user):
    """Messages about 物业 in 临沧市's 云县 and in 北京's 朝阳区: several types, domains, days, states."""
    return {
        "county": _publish(citizen, admin_user, "小区物业乱收费", "物业公司多收停车费。", days_ago=40),
        "beijing": _publish(
            citizen,
            admin_user,
            "物业不作为",
            "楼道灯坏了物业不修。",
            inside=False,
            message_type="suggestion",
            domain="城建",
            days_ago=3,
        ),
        "handled": make_message(
            citizen,
            admin_user,
            MessageState.REPLIED,
            title="物业维修基金",
            body="小区的维修基金应当怎么申请？",
        ),
    }


def _ids(response) -> list[int]:
    assert response.status_code == 200
    return [row.message.id for row in response.context["rows"]]


@pytest.mark.parametrize(
    "region, expected",
    [
        ("53", None),
        ("530000", {"county", "handled"}),
        ("530900", {"county", "handled"}),
        ("530923", {"county", "handled"}),
        ("110000", {"beijing"}),
        ("110105", {"beijing"}),
    ],
)
def test_search_by_place_at_any_level(client, places, region, expected):
    response = client.get("/search/", {"q": "物业", "region": region})
    if expected is None:  # not a region code: shown as an error, the search runs without it
        assert "没有这个地区。" in response.content.decode()
        assert set(_ids(response)) == {m.id for m in places.values()}
    else:
        assert set(_ids(response)) == {places[k].id for k in expected}


def test_the_place_select_walks_down_the_tree(client, places):
    html = client.get("/search/", {"q": "物业", "region": "530900"}).content.decode()
    assert 'value="530923"' in html and "临沧市下辖" in html  # its counties, to narrow further


def test_search_by_type_domain_state_and_days(client, places):
    def found_with(**params):
        return set(_ids(client.get("/search/", {"q": "物业", **params})))

    assert found_with(type="suggestion") == {places["beijing"].id}
    beijing_domain = places["beijing"].domain_id
    assert found_with(domain=beijing_domain) == {places["beijing"].id}
    assert found_with(state="handled") == {places["handled"].id}
    assert found_with(state="waiting") == {places["county"].id, places["beijing"].id}
    today = timezone.localdate()
    assert found_with(start=str(today - timedelta(days=10))) == {places["beijing"].id, places["handled"].id}
    assert found_with(end=str(today - timedelta(days=10))) == {places["county"].id}
    day = timezone.localtime(places["beijing"].published_at).date()
    assert found_with(start=str(day), end=str(day)) == {places["beijing"].id}  # both days included


@pytest.mark.parametrize(
    "params, error",
    [
        ({"start": "2026-02-30"}, "日期格式应为 YYYY-MM-DD"),
        ({"end": "２０２６-０１-０１x"}, "日期格式应为 YYYY-MM-DD"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "结束日期不能早于开始日期"),
        ({"start": "1000-01-01"}, "日期应写作 YYYY-MM-DD"),
        ({"region": "abc"}, "没有这个地区。"),
        ({"region": "999999"}, "没有这个地区。"),
        ({"type": "<script>"}, "没有这个类型。"),
        ({"domain": "1" * 30}, "没有这个领域。"),
        ({"state": "closed"}, "没有这个状态。"),
    ],
)
def test_a_bad_filter_is_shown_and_left_out(client, places, params, error):
    response = client.get("/search/", {"q": "物业", **params})
    assert error in response.content.decode()
    assert set(_ids(response)) == {m.id for m in places.values()}


@pytest.mark.parametrize(
    "params, error",
    [
        ({"q": "物" * 10_000}, "搜索词不能超过 50 个字。"),
        ({"q": "物业\x00"}, "不能包含控制字符"),
        ({"q": "物业\x1b[31m"}, "不能包含控制字符"),
        ({"q": "物业", "page": str(10**20)}, None),
        ({"q": "物业", "page": "-5"}, None),
        (
            {"q": "物业", "start": "２０２６-０１-０１"},
            None,
        ),  # full-width digits: a date or an error, never a 500
        ({"q": "物业", "region": "\x00"}, "没有这个地区。"),
    ],
)
def test_hostile_search_input_never_fails(client, places, params, error):
    response = client.get("/search/", params)
    assert response.status_code == 200
    if error:
        assert error in response.content.decode()


def test_title_matches_come_before_body_only_mentions(client, citizen, admin_user):
    older_title = _publish(citizen, admin_user, "电梯故障无人修", "停运一周。", days_ago=30)
    body_heavy = _publish(
        citizen, admin_user, "关于小区设施的几点意见", "电梯、电梯、还是电梯：电梯老化，电梯维保不到位。"
    )
    newer_title = _publish(citizen, admin_user, "加装电梯补贴", "补贴何时发放？", days_ago=1)
    assert found("电梯") == [newer_title.id, older_title.id, body_heavy.id]
    response = client.get("/search/", {"q": "电梯"})
    assert _ids(response) == [newer_title.id, older_title.id, body_heavy.id]
    # Every word must be in the title for it to count as a title match.
    both = _publish(citizen, admin_user, "电梯补贴", "电梯。", days_ago=50)
    assert set(found("电梯 补贴")[:2]) == {newer_title.id, both.id}  # between these two, the rank decides


def test_found_words_are_marked_in_titles_and_excerpts(client, citizen, admin_user):
    _publish(
        citizen,
        admin_user,
        "<script>alert(1)</script>路灯&amp不亮",
        "前面是一段很长的与主题无关的文字，" * 8 + "晚上路灯不亮<b>很危险</b>。",
    )
    html = client.get("/search/", {"q": "路灯"}).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>路灯</mark>&amp;amp不亮" in html
    assert "晚上<mark>路灯</mark>不亮&lt;b&gt;很危险&lt;/b&gt;" in html  # the excerpt is around the word
    assert html.count("<mark>") == 2


def test_a_query_holding_html_never_marks_inside_markup(client, citizen, admin_user):
    _publish(citizen, admin_user, "A&B script amp lt 路灯", "mark 与 <i>amp</i>")
    for q in ["<script>路灯</script>", "amp", "lt", "mark", '"><img src=x onerror=alert(1)>']:
        html = client.get("/search/", {"q": q}).content.decode()
        assert "<img src=x" not in html and "<script>路灯" not in html
        assert "&<mark>" not in html and "&amp;<mark>amp</mark>;" not in html
    html = client.get("/search/", {"q": "amp"}).content.decode()
    assert "A&amp;B script <mark>amp</mark> lt" in html and "&lt;i&gt;<mark>amp</mark>&lt;/i&gt;" in html


def test_masked_numbers_are_neither_shown_nor_marked(client, corpus):
    html = client.get("/search/", {"q": "电梯 补贴"}).content.decode()
    assert PHONE not in html and "<mark>补贴</mark>" in html


def test_search_results_have_numbered_pages(client, citizen, admin_user):
    for i in range(45):
        _publish(citizen, admin_user, f"第{i}个路口交通拥堵")
    response = client.get("/search/", {"q": "交通拥堵", "region": "530923", "page": 2})
    html = response.content.decode()
    assert len(response.context["rows"]) == 20
    assert '<span class="page-current" aria-current="page">2</span>' in html
    assert 'href="?q=%E4%BA%A4%E9%80%9A%E6%8B%A5%E5%A0%B5&amp;region=530923&amp;page=3"' in html
    assert 'aria-label="第 1 页"' in html and "第 2 / 3 页" in html


def test_numbered_pages_stop_at_the_ranked_matches(client, citizen, admin_user, monkeypatch):
    bridges(citizen, admin_user, 7)
    monkeypatch.setattr(search, "CANDIDATES", 5)
    monkeypatch.setattr("liuyan.web.views.public.PAGE_SIZE", 2)
    response = client.get("/search/", {"q": "桥梁", "page": 99})
    assert response.context["page"].number == 3 and len(response.context["rows"]) == 1
    assert 'aria-label="第 4 页"' not in response.content.decode()


def test_no_match_says_so_with_hints(client, places):
    html = client.get("/search/", {"q": "火星基地"}).content.decode()
    assert "没有找到与“火星基地”相关的留言。" in html and "检查一下有没有错别字" in html
    assert "去掉筛选条件再搜一次" not in html
    html = client.get("/search/", {"q": "物业", "region": "530923", "type": "suggestion"}).content.decode()
    assert "没有找到与“物业”相关的留言（在所选条件下）。" in html
    assert 'href="/search/?q=%E7%89%A9%E4%B8%9A">去掉筛选条件再搜一次' in html
    html = client.get("/search/", {"q": '<b>"火星"</b>'}).content.decode()
    assert "没有找到与“&lt;b&gt;&quot;火星&quot;&lt;/b&gt;”相关的留言" in html
