"""Full-text search (board/search.py) and the search page: Chinese words found whatever their order or the
text around them, on SQLite (FTS5) and PostgreSQL (GIN over tsvector), never by masked personal data."""

import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liuyan.board import search
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.board.selectors import public_messages
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
def test_a_common_word_is_sought_in_a_recent_window_first(citizen, admin_user, monkeypatch):
    """PostgreSQL: when the planner expects many more matches than are ranked, the candidates are sought
    among recent messages first; the result is the same as without the window."""
    if connection.vendor != "postgresql":
        pytest.skip("the window is PostgreSQL's")
    messages = bridges(citizen, admin_user, 40)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE board_message")
    monkeypatch.setattr(search, "CANDIDATES", 2)
    with CaptureQueriesContext(connection) as queries:
        ids = search.search_messages(public_messages(), "桥梁").ids
    assert ids == [messages[39].id, messages[38].id]
    ranking = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
    assert '"board_message"."published_at" >=' in ranking[0]


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
