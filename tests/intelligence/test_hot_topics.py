"""Hot topics: near-same messages cluster into ranked, labelled topics among unrelated singletons; over the
database by period, region and campaign; through the command, the API and the home page."""

import json
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from liuyan.accounts.choices import Role
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.intelligence import clustering, hot_topics
from liuyan.intelligence.clustering import TopicItem, find_hot_topics, tokens
from liuyan.intelligence.models import TopicTokens
from liuyan.intelligence.tasks import warm_hot_topics
from tests.api.openapi import assert_matches_openapi
from tests.api_client import ApiClient
from tests.conftest import make_user
from tests.factories import make_message

COMPOUND_A = [
    ("景蓉华苑物业乱收停车费", "A2区景蓉华苑物业公司擅自提高停车费，业委会不开业主大会就定收费方案。"),
    ("投诉景蓉华苑物业停车收费", "景蓉华苑物业强行收取停车费，业主反对无效，请查处物业乱收费。"),
    ("景蓉华苑停车费太高", "A2区景蓉华苑小区物业收停车费比周边小区高很多，业委会和物业串通。"),
    ("景蓉华苑物业收费不合理", "景蓉华苑小区停车费收费方案没有经过业主大会表决，物业强行收取。"),
    ("请管管景蓉华苑物业", "景蓉华苑物业以停车费名义乱收费，业主多次反映无人处理。"),
    ("景蓉华苑业委会与物业停车费问题", "景蓉华苑业委会配合物业收停车费，侵害业主权益，请主管部门调查。"),
]
COMPOUND_B = [
    ("丽发新城搅拌站噪音扰民", "A5区丽发新城小区旁边搅拌站日夜施工，噪音和粉尘严重影响居民休息。"),
    ("丽发新城旁搅拌站污染严重", "丽发新城附近的搅拌站粉尘污染严重，晚上噪音大，居民无法入睡。"),
    ("投诉丽发新城搅拌站", "丽发新城小区边上的违建搅拌站噪音扰民，粉尘满天，请环保部门处理。"),
    ("丽发新城搅拌站何时搬迁", "丽发新城小区附近搅拌站噪音粉尘扰民多年，何时关停搬迁？"),
    ("丽发新城居民深受搅拌站之苦", "A5区丽发新城的搅拌站夜间施工噪音巨大，粉尘污染，请求取缔。"),
    ("关于丽发新城搅拌站的投诉", "丽发新城小区旁搅拌站违规生产，噪音粉尘严重，请有关部门查处。"),
]
UNRELATED = [
    ("咨询公积金贷款额度", "想了解首套房公积金贷款最高额度是多少，需要什么材料。"),
    ("建议增开夜班公交", "火车站到开发区晚上九点后没有公交，建议增开夜班车。"),
    ("小学入学划片咨询", "孩子明年上小学，想咨询学区划片的具体范围。"),
    ("路灯不亮", "河西大道中段路灯坏了一个多月，晚上出行很不安全。"),
    ("医保异地报销问题", "在外省住院的医疗费用如何办理医保异地报销？"),
    ("农村道路硬化", "我们村到镇上的道路还是泥巴路，雨天无法通行，希望硬化。"),
    ("养老保险补缴", "以前中断的养老保险能不能补缴，怎么办理？"),
    ("菜市场卫生差", "城南菜市场垃圾遍地，污水横流，希望加强管理。"),
    ("驾照换证流程", "驾驶证到期换证需要体检吗，在哪里办理？"),
    ("广场舞音响扰民", "人民公园广场舞音响声音太大，晚上十点还在跳。"),
    ("网约车管理", "网约车在机场随意拉客，希望规范管理。"),
    ("残疾人补贴发放", "残疾人两项补贴什么时候发放，标准是多少？"),
    ("自来水水质发黄", "最近自来水发黄有异味，不敢饮用。"),
    ("落户政策咨询", "大专学历毕业生落户需要什么条件？"),
    ("共享单车乱停", "地铁口共享单车乱停乱放，堵塞人行道。"),
    ("幼儿园收费", "民办幼儿园每学期涨价，收费是否有标准？"),
    ("垃圾分类投放点", "小区没有垃圾分类投放点，希望增设。"),
    ("高速收费站拥堵", "节假日高速收费站排长队，建议增加通道。"),
    ("社保卡丢失补办", "社保卡丢了在哪里补办，需要多久？"),
    ("老旧小区加装电梯", "老旧小区加装电梯有没有补贴政策？"),
]
START = datetime(2024, 1, 1)


def items(a_days=range(0, 60, 10), b_days=range(60, 90, 5), b_support=5) -> list[TopicItem]:
    rows = []
    for n, ((title, body), day) in enumerate(zip(COMPOUND_A, a_days, strict=True)):
        rows.append(TopicItem(f"a{n}", title, body, START + timedelta(days=day), 1, ("A2区",), f"ua{n}"))
    for n, ((title, body), day) in enumerate(zip(COMPOUND_B, b_days, strict=True)):
        rows.append(
            TopicItem(f"b{n}", title, body, START + timedelta(days=day), b_support, ("A5区",), f"ub{n}")
        )
    for n, (title, body) in enumerate(UNRELATED):
        rows.append(TopicItem(f"u{n}", title, body, START + timedelta(days=3 * n), 0, (), f"uu{n}"))
    return rows


def test_two_compounds_come_out_as_the_two_topics():
    topics = find_hot_topics(items(), top=10)
    assert len(topics) == 2
    by_first = {t.message_ids[0][0]: t for t in topics}
    assert sorted(by_first["a"].message_ids) == [f"a{n}" for n in range(6)]
    assert sorted(by_first["b"].message_ids) == [f"b{n}" for n in range(6)]
    # jieba may cut an unknown compound name in two (丽发 新城): the label carries it either way.
    assert "景蓉" in by_first["a"].label and "丽发" in by_first["b"].label
    assert 3 <= len(by_first["a"].keywords) <= 5
    assert by_first["b"].support_total == 30 and by_first["b"].regions == [("A5区", 6)]
    assert len(by_first["a"].representatives) == 3
    assert by_first["a"].first_at == START and by_first["a"].last_at == START + timedelta(days=50)


def test_a_topic_reads_as_a_phrase_from_its_titles_with_the_keywords_apart():
    topics = find_hot_topics(items(), top=10)
    by_first = {t.message_ids[0][0]: t for t in topics}
    compound_b = by_first["b"]
    # A cleaned member title (no 投诉/关于 …/的投诉), naming the place and the object.
    assert "丽发新城" in compound_b.phrase and "搅拌站" in compound_b.phrase
    assert not compound_b.phrase.startswith(("投诉", "关于")) and not compound_b.phrase.endswith("投诉")
    assert compound_b.phrase in {clustering.clean_title(title) for title, _body in COMPOUND_B} | {
        clause for title, _body in COMPOUND_B for clause in clustering._phrase_candidates(title)
    }
    assert compound_b.label == compound_b.phrase and " " not in compound_b.phrase
    assert compound_b.as_dict()["phrase"] == compound_b.phrase
    assert compound_b.as_dict()["keywords"] == compound_b.keywords
    assert "景蓉华苑" in by_first["a"].phrase


@pytest.mark.parametrize(
    ("title", "phrase"),
    [
        ("尊敬的王书记：您好，关于A市丽发新城搅拌站噪音扰民的问题！", "丽发新城搅拌站噪音扰民"),
        ("【投诉】A2区景蓉华苑物业乱收停车费", "景蓉华苑物业乱收停车费"),
        ("请问A7县东六路下穿长永高速能否如期通车呢？", "东六路下穿长永高速能否如期通车"),
        ("建议延长小学课后服务时间", "延长小学课后服务时间"),
        ("市长您好！", ""),
    ],
)
def test_titles_are_cleaned_into_phrases(title, phrase):
    assert clustering.clean_title(title) == phrase


# People asking the same way (予以解答, 办理, 材料, 想问) about different things: no shared subject.
GENERIC_ASKING = [
    (f"想问办理{thing}需要哪些材料", f"您好，想问一下办理{thing}要准备哪些材料，办理流程是什么，请予以解答。")
    for thing in ["护照", "营业执照", "居住证", "结婚登记", "退休手续", "公积金提取", "残疾证"]
]


def generic_items() -> list[TopicItem]:
    return items() + [
        TopicItem(f"g{n}", title, body, START + timedelta(days=4 * n), 0, (), f"ug{n}")
        for n, (title, body) in enumerate(GENERIC_ASKING)
    ]


def test_a_cluster_without_a_shared_place_object_or_problem_is_dropped(monkeypatch):
    topics = find_hot_topics(generic_items(), top=10)
    assert sorted(t.message_ids[0][0] for t in topics) == ["a", "b"]
    # Without the generic words the same messages do make a topic: the rule is what drops it.
    monkeypatch.setattr(clustering, "GENERIC_TERMS", frozenset())
    topics = find_hot_topics(generic_items(), top=10)
    assert any(mid.startswith("g") for t in topics for mid in t.message_ids)


def test_topics_rank_by_support_and_growth():
    # B is recent (all in the last third of the period) and supported: it leads.
    first, second = find_hot_topics(items(b_support=50), top=10)
    assert first.message_ids[0].startswith("b") and first.growth > 0 > second.growth
    # Put B at the start and A at the end, both unsupported: the order turns round.
    first, _second = find_hot_topics(items(a_days=range(60, 90, 5), b_days=range(0, 60, 10), b_support=0))
    assert first.message_ids[0].startswith("a") and first.growth == pytest.approx(1.0)


def test_one_authors_flood_counts_less_than_many_authors():
    rows = items()
    rows = [
        TopicItem(
            i.id, i.title, i.body, i.created_at, i.support, i.regions, "one" if i.id[0] == "a" else i.author
        )
        for i in rows
    ]
    first, second = find_hot_topics(rows)
    assert first.message_ids[0].startswith("b") and second.author_count == 1


def test_no_topic_among_unrelated_messages_only():
    assert find_hot_topics(items()[12:]) == []
    assert find_hot_topics([]) == []


def test_tokens_drop_place_codes_numbers_and_stop_words():
    words = tokens("A2区景蓉华苑2019年物业问题严重")
    assert "景蓉华苑" in "".join(words) and not any(w.startswith(("A2", "2019")) for w in words)
    assert "问题" not in words


def test_command_on_a_file_prints_json(tmp_path, capsys):
    path = tmp_path / "hot.csv"
    lines = ["留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数"]
    for item in items():
        lines.append(
            f" {item.id} ,{item.author},{item.title}\t,{item.created_at:%Y/%m/%d %H:%M:%S},"
            f"{item.body},0, {item.support} "
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("hot_topics", "--file", str(path), "--top", "1", "--json")
    (topic,) = json.loads(capsys.readouterr().out)
    assert topic["message_count"] == 6 and topic["support_total"] in (6, 30)
    assert {
        "label",
        "keywords",
        "regions",
        "first_at",
        "last_at",
        "growth",
        "score",
        "representatives",
    } <= set(topic)
    with pytest.raises(CommandError, match="--from"):
        call_command("hot_topics", "--from", "2024-01-01")


# ---- Over the database -----------------------------------------------------------------------------------


@pytest.fixture
def db_messages(admin_user):
    """The A compound in 临沧 (inside), the B compound in 北京 (outside), a few unrelated ones; published."""
    cache.clear()
    created = []
    for n, (title, body) in enumerate(COMPOUND_A[:4]):
        author = make_user(f"a{n}", Role.CITIZEN)
        created.append(make_message(author, admin_user, MessageState.PUBLISHED, title=title, body=body))
    for n, (title, body) in enumerate(COMPOUND_B[:4]):
        author = make_user(f"b{n}", Role.CITIZEN)
        created.append(
            make_message(author, admin_user, MessageState.PUBLISHED, inside=False, title=title, body=body)
        )
    for n, (title, body) in enumerate(UNRELATED[:6]):
        author = make_user(f"u{n}", Role.CITIZEN)
        created.append(
            make_message(
                author, admin_user, MessageState.PUBLISHED, inside=n % 2 == 0, title=title, body=body
            )
        )
    # Not public: still pending review.
    make_message(make_user("p", Role.CITIZEN), admin_user, title=COMPOUND_A[4][0], body=COMPOUND_A[4][1])
    Message.objects.filter(title=COMPOUND_B[0][0]).update(support_count=9)
    yield created
    cache.clear()


def test_api_hot_topics_over_the_last_30_days_and_by_region(db_messages):
    body = assert_matches_openapi(ApiClient().get("/hot-topics"), "GET", "/api/v1/hot-topics")
    labels = [" ".join(t["keywords"]) for t in body["topics"]]
    assert body["message_count"] == 14 and body["covered_from"] is None
    assert len(body["topics"]) == 2 and body["topics"][0]["support_total"] == 9
    assert "丽发" in labels[0] and "景蓉" in labels[1]
    assert body["topics"][0]["regions"][0]["name"]
    assert body["topics"][1]["message_count"] == 4  # the pending one is not public
    inside = ApiClient().get("/hot-topics", region="530900").json()
    (topic,) = inside["topics"]
    assert "景蓉" in topic["label"]
    rep = topic["representatives"][0]
    assert Message.objects.get(pk=rep["id"]).serial == rep["serial"]


def test_api_refuses_bad_filters(db_messages):
    missing = ApiClient().get("/hot-topics", region="999999")
    assert assert_matches_openapi(missing, "GET", "/api/v1/hot-topics")["error"]["code"] == "not_found"
    backwards = ApiClient().get("/hot-topics", **{"from": "2024-02-01", "to": "2024-01-01"})
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "bad_period"
    assert ApiClient().get("/hot-topics", top=0).status_code == 422


def test_an_older_period_has_no_topics(db_messages):
    body = ApiClient().get("/hot-topics", **{"from": "2020-01-01", "to": "2020-01-31"}).json()
    assert body["topics"] == []


def test_command_over_the_database(db_messages, capsys):
    today = timezone.localdate()
    call_command(
        "hot_topics",
        "--from",
        str(today - timedelta(days=1)),
        "--to",
        str(today),
        "--region",
        "110105",
        "--json",
    )
    (topic,) = json.loads(capsys.readouterr().out)
    assert "丽发" in topic["label"] and topic["support_total"] == 9
    with pytest.raises(CommandError, match="没有这个行政区划"):
        call_command("hot_topics", "--from", str(today), "--to", str(today), "--region", "999999")


WARM_TASK = "liuyan.intelligence.tasks.warm_hot_topics"


def test_home_page_shows_the_top_topics_computed_ahead(db_messages, client):
    # Never computed on the page's request: the first visitor finds none and a task worker is asked, once.
    first = client.get("/").content.decode()
    assert "热点话题正在统计" in first and "丽发" not in first
    client.get("/")
    (queued,) = DBTaskResult.objects.filter(task_path=WARM_TASK)
    assert queued.status == "READY"

    assert warm_hot_topics.call() >= 2
    text = client.get("/").content.decode()
    assert "近 30 天热点话题" in text and "丽发" in text and "4 条留言" in text


def test_home_page_shows_the_last_computation_until_the_new_one(db_messages, client):
    hot_topics.recent_hot_topics(refresh=True)
    # The day's entry gone (a new day, or expired): the last computation is shown, nothing is queued.
    start, end = hot_topics._recent_period(hot_topics.HOME_DAYS)
    cache.delete(hot_topics._cache_key(start, end, None, None, hot_topics.HOME_TOP))
    assert "丽发" in client.get("/").content.decode()
    assert not DBTaskResult.objects.filter(task_path=WARM_TASK).exists()


def test_a_flushed_cache_shows_the_stored_computation_as_it_was(
    db_messages, client, django_assert_num_queries
):
    computed = hot_topics.recent_hot_topics(refresh=True)
    cache.clear()
    with django_assert_num_queries(1):
        stored = hot_topics.stored_hot_topics()
    assert stored == computed and stored.topics[0].representatives
    # Read once from the database, then from the cache again; no worker was asked.
    with django_assert_num_queries(0):
        assert hot_topics.stored_hot_topics() == computed
    assert "丽发" in client.get("/").content.decode()
    assert not DBTaskResult.objects.filter(task_path=WARM_TASK).exists()


def test_linking_in_chunks_finds_the_same_topics(monkeypatch):
    whole = [t.as_dict() for t in find_hot_topics(items())]
    monkeypatch.setattr(clustering, "LINK_CHUNK", 4)
    assert [t.as_dict() for t in find_hot_topics(items())] == whole


def test_tokens_are_stored_and_made_again_only_for_changed_text(db_messages, monkeypatch):
    segmented = []

    def counting_tokens(text):
        segmented.append(text)
        return tokens(text)

    monkeypatch.setattr(hot_topics, "tokens", counting_tokens)
    first = hot_topics.recent_hot_topics(refresh=True)
    assert first.message_count == 14 and first.covered_from is None and first.notice == ""
    assert TopicTokens.objects.count() == 14 and len(segmented) == 28  # title and body of each
    stored = TopicTokens.objects.get(message__title=COMPOUND_B[1][0])
    assert "搅拌站" in stored.title_tokens.split()

    segmented.clear()
    again = hot_topics.recent_hot_topics(refresh=True)
    assert segmented == [] and [t.as_dict() for t in again.topics] == [t.as_dict() for t in first.topics]

    Message.objects.filter(title=COMPOUND_B[1][0]).update(title="丽发新城搅拌站夜间施工")
    hot_topics.recent_hot_topics(refresh=True)
    assert segmented == ["丽发新城搅拌站夜间施工", stored.message.body]
    assert "夜间" in TopicTokens.objects.get(pk=stored.pk).title_tokens.split()


def test_a_period_with_too_many_messages_uses_the_newest_and_says_so(db_messages, client, monkeypatch):
    monkeypatch.setattr(hot_topics, "MAX_MESSAGES", 10)
    newest = list(Message.objects.filter(state=MessageState.PUBLISHED).order_by("-created_at", "-id")[:10])
    found = hot_topics.recent_hot_topics(refresh=True)
    assert found.message_count == 10 and found.covered_from == newest[-1].created_at
    assert "仅统计了" in found.notice and "最近 10 条" in found.notice
    assert "仅统计了" in client.get("/").content.decode()
    cache.clear()
    body = assert_matches_openapi(ApiClient().get("/hot-topics"), "GET", "/api/v1/hot-topics")
    assert body["message_count"] == 10 and body["covered_from"]
