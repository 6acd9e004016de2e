"""Similar messages: the MinHash/LSH index kept on submit and by `liuyan index_similarity`, what the public
and staff are shown (API and pages), and merging from the workbench."""

import pytest
from django.core.management import call_command

from liuyan.board.actions import moderation
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from liuyan.intelligence import similarity
from liuyan.intelligence.models import SimilarityBand, SimilaritySignature, SimilarityTitleKey
from tests.api.openapi import assert_matches_openapi
from tests.factories import make_message

pytestmark = pytest.mark.django_db


TITLE = "临翔区南屏小区垃圾站臭气熏天"
BODY = (
    "南屏小区门口的垃圾站每天堆满生活垃圾，清运不及时，夏天臭气熏天、蚊蝇乱飞，"
    "附近居民不敢开窗，孩子上学都要捂着鼻子经过。物业说归环卫管，环卫说归物业管，"
    "请有关部门尽快协调，增加清运次数并对垃圾站做封闭改造。"
)
# The same complaint, a few characters changed, with a greeting in front.
COPY_TITLE = "临翔区南屏小区垃圾站臭气熏天！"
COPY_BODY = "尊敬的领导您好：" + BODY.replace("每天", "天天").replace("尽快", "马上")
OTHER_TITLE = "建议延长市图书馆周末开放时间"
OTHER_BODY = "市图书馆周末下午五点就闭馆，上班族只有周末有时间借书，希望延长到晚上九点，并增加自习座位。"


def published(citizen, admin_user, **fields):
    fields.setdefault("title", TITLE)
    fields.setdefault("body", BODY)
    return make_message(citizen, admin_user, fields.pop("state", MessageState.PUBLISHED), **fields)


def ask(client, title=COPY_TITLE, body=COPY_BODY, **extra):
    response = client.post(
        "/api/v1/messages/similar", {"title": title, "body": body, **extra}, content_type="application/json"
    )
    return response


# ---- The index -------------------------------------------------------------------------------------------


def test_submitting_a_message_indexes_it(citizen, admin_user):
    message = make_message(citizen, admin_user, title=TITLE, body=BODY)
    record = SimilaritySignature.objects.get(message=message)
    assert record.version == similarity.VERSION and len(bytes(record.signature)) == 4 * similarity.NUM_PERM
    assert SimilarityBand.objects.filter(message=message).count() == similarity.BANDS


def test_a_copy_with_a_few_characters_changed_is_a_near_duplicate(citizen, admin_user):
    original = published(citizen, admin_user)
    published(citizen, admin_user, title=OTHER_TITLE, body=OTHER_BODY)
    hits = similarity.similar_public(COPY_TITLE, COPY_BODY)
    assert [hit.message for hit in hits] == [original]
    assert hits[0].near_duplicate and hits[0].score >= similarity.NEAR_DUPLICATE_MIN


def test_an_unrelated_text_finds_nothing(citizen, admin_user):
    published(citizen, admin_user)
    assert similarity.similar_public(OTHER_TITLE, OTHER_BODY) == []
    assert similarity.similar_public("你好", "谢谢") == []  # too short to compare


def test_many_texts_at_once_find_what_each_finds_alone(
    citizen, admin_user, django_assert_max_num_queries, monkeypatch
):
    original = published(citizen, admin_user)
    library = published(citizen, admin_user, title=OTHER_TITLE, body=OTHER_BODY)
    copy = published(citizen, admin_user, title=COPY_TITLE, body=COPY_BODY)
    texts = [
        similarity.message_text(COPY_TITLE, COPY_BODY),
        "你好",  # too short to compare
        similarity.message_text(OTHER_TITLE, OTHER_BODY + "谢谢！"),
        "一段与任何留言都无关的文字，讲的是天气和心情，没有别的内容。",
    ]
    alone = [similarity.similar_messages(text) for text in texts]
    with django_assert_max_num_queries(3):
        together = similarity.similar_to_texts(texts)
    assert together == alone
    assert [[hit.message for hit in hits] for hits in together] == [[copy, original], [], [library], []]
    monkeypatch.setattr(similarity, "IN_CHUNK", 5)  # keys and ids go to the database in chunks
    assert similarity.similar_to_texts(texts) == alone


# ---- Titles ---------------------------------------------------------------------------------------------

AFTER_SCHOOL = "建议延长小学课后服务时间"
# Five citizens' own words under that one title: different enough that MinHash alone misses some.
AFTER_SCHOOL_BODIES = [
    "双职工家庭下午五点半才下班，学校三点半放学，孩子没人接，只能送托管班，费用高还不放心。",
    "现在课后服务只到四点半，家长根本赶不回来，希望学校能把看护延长到六点，收费可以合理一些。",
    "我家两个孩子在城北小学读书，爷爷奶奶年纪大了接送困难，恳请教育部门研究把课后服务延后。",
    "很多城市已经推行弹性离校，学校可以组织作业辅导和兴趣活动，解决家长接孩子难的实际困难。",
    "放学太早，校门口每天下午堵车，家长请假接孩子影响工作，盼望出台政策把课后服务时间拉长。",
]


def test_messages_with_the_same_title_are_found_and_listed_first(citizen, admin_user):
    # The case: five public messages carry exactly the title a citizen is typing.
    same = [published(citizen, admin_user, title=AFTER_SCHOOL, body=body) for body in AFTER_SCHOOL_BODIES]
    new_body = "孩子读二年级，每天三点半放学，我们六点才下班，中间这段时间没人照看，请领导重视。"
    # Another title, the new message's very words: MinHash scores it above any of the five.
    overlap = published(citizen, admin_user, title="小学放学时间太早家长接送困难", body=new_body)
    hits = similarity.similar_public(AFTER_SCHOOL, new_body, limit=8)
    assert {hit.message.pk for hit in hits[:5]} == {m.pk for m in same}
    assert all(hit.match == similarity.Match.SAME_TITLE and hit.near_duplicate for hit in hits[:5])
    assert hits[0].match_label == "标题相同"
    assert hits[5].message == overlap and hits[5].match == similarity.Match.OVERLAP
    assert hits[5].score > max(hit.score for hit in hits[:5])


def test_the_same_title_in_other_words_and_a_title_in_a_body_are_found(citizen, admin_user):
    reworded = published(
        citizen, admin_user, title="关于延长小学课后服务时间的建议", body=AFTER_SCHOOL_BODIES[1]
    )
    restated = published(
        citizen,
        admin_user,
        title="家长的一点心声",
        body="各位领导：建议延长小学课后服务时间。" + AFTER_SCHOOL_BODIES[2],
    )
    unrelated = published(citizen, admin_user, title=OTHER_TITLE, body=OTHER_BODY)
    hits = similarity.similar_public(AFTER_SCHOOL, "孩子放学早，家长下班晚，中间没人照看。")
    matches = {hit.message.pk: hit.match for hit in hits}
    assert matches[reworded.pk] == similarity.Match.NEAR_TITLE
    assert matches[restated.pk] == similarity.Match.TITLE_IN_BODY
    assert unrelated.pk not in matches
    assert [hit.message for hit in hits[:2]] == [reworded, restated]
    # The other way round: an earlier message's title is a sentence of the new message's body.
    hits = similarity.similar_public("家长接孩子难", "我们的诉求很简单：建议延长小学课后服务时间！谢谢。")
    assert {hit.message.pk: hit.match for hit in hits}[reworded.pk] == similarity.Match.TITLE_IN_BODY


def test_title_matches_come_from_the_index_in_few_queries(citizen, admin_user, django_assert_max_num_queries):
    for body in AFTER_SCHOOL_BODIES:
        published(citizen, admin_user, title=AFTER_SCHOOL, body=body)
    message = Message.objects.latest("pk")
    assert SimilarityTitleKey.objects.filter(message=message, in_body=False).count() == 1
    assert similarity.title_key("关于延长小学课后服务时间的建议") == similarity.title_key(AFTER_SCHOOL)
    assert similarity.title_key("你好") is None
    # Overlap candidates, their signatures, the messages; title keys, their messages with their signatures.
    with django_assert_max_num_queries(5):
        hits = similarity.similar_public(AFTER_SCHOOL, "孩子放学早")
    assert len(hits) == 5


def test_staff_see_the_same_title_first_but_never_the_message_itself(client, dispatcher, citizen, admin_user):
    first = published(citizen, admin_user, title=AFTER_SCHOOL, body=AFTER_SCHOOL_BODIES[0])
    second = published(citizen, admin_user, title=AFTER_SCHOOL, body=AFTER_SCHOOL_BODIES[3])
    hits = similarity.similar_for_staff(dispatcher, second)
    assert hits and hits[0].message == first and hits[0].match == similarity.Match.SAME_TITLE


def test_index_message_is_idempotent_and_the_command_fills_what_is_missing(citizen, admin_user):
    message = published(citizen, admin_user)
    similarity.index_message(message)
    similarity.index_message(message)
    assert SimilarityBand.objects.filter(message=message).count() == similarity.BANDS
    SimilarityBand.objects.all().delete()
    SimilaritySignature.objects.all().delete()  # as after an import that bypassed submit_message
    SimilarityTitleKey.objects.all().delete()
    assert similarity.similar_public(COPY_TITLE, COPY_BODY) == []
    call_command("index_similarity", "--missing", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [hit.message for hit in similarity.similar_public(COPY_TITLE, COPY_BODY)] == [message]
    call_command("index_similarity", "--all", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert SimilaritySignature.objects.filter(message=message).count() == 1
    assert SimilarityBand.objects.filter(message=message).count() == similarity.BANDS


def test_an_outdated_signature_is_rebuilt_by_missing(citizen, admin_user):
    message = published(citizen, admin_user)
    SimilaritySignature.objects.filter(message=message).update(version=similarity.VERSION - 1)
    assert similarity.similar_public(COPY_TITLE, COPY_BODY) == []  # stale signatures are not compared
    call_command("index_similarity", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert SimilaritySignature.objects.get(message=message).version == similarity.VERSION


# ---- The public API --------------------------------------------------------------------------------------


def test_public_api_lists_published_messages_with_their_state_and_reply(client, citizen, admin_user):
    answered = published(citizen, admin_user, state=MessageState.REPLIED)
    response = ask(client)
    body = assert_matches_openapi(response, "POST", "/api/v1/messages/similar")
    assert len(body) == 1
    assert body[0]["id"] == answered.pk and body[0]["serial"] == answered.serial
    assert body[0]["replied"] is True and body[0]["state"] == "replied" and body[0]["near_duplicate"] is True
    assert body[0]["url"] == f"/messages/{answered.pk}/"


def test_private_hidden_unpublished_and_merged_messages_are_never_shown_to_the_public(
    client, citizen, admin_user
):
    make_message(citizen, admin_user, title=TITLE, body=BODY)  # pending review
    published(citizen, admin_user, public=False)
    hidden = published(citizen, admin_user)
    moderation.hide_message(admin_user, hidden.pk, "含有不实信息")
    primary = published(citizen, admin_user)
    duplicate = published(citizen, admin_user)
    Message.objects.filter(pk=duplicate.pk).update(merged_into=primary)
    body = assert_matches_openapi(ask(client), "POST", "/api/v1/messages/similar")
    assert [row["id"] for row in body] == [primary.pk]


def test_public_api_narrows_to_a_region_and_checks_its_input(client, citizen, admin_user):
    inside = published(citizen, admin_user)  # 永德县, under 临沧市 (530900)
    outside = published(citizen, admin_user, inside=False)  # 北京
    assert [row["id"] for row in ask(client, region="530900").json()] == [inside.pk]
    assert {row["id"] for row in ask(client).json()} == {inside.pk, outside.pk}
    response = ask(client, region="53")
    assert_matches_openapi(response, "POST", "/api/v1/messages/similar")
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"


def test_public_api_is_rate_limited(client, settings):
    settings.LIUYAN_SIMILAR_RATE = "2/m"
    assert ask(client).status_code == 200 and ask(client).status_code == 200
    response = ask(client)
    assert_matches_openapi(response, "POST", "/api/v1/messages/similar")
    assert response.status_code == 429


# ---- Staff -----------------------------------------------------------------------------------------------


def test_staff_api_lists_in_scope_messages_but_not_itself(client, dispatcher, citizen, admin_user):
    message = published(citizen, admin_user)
    twin = published(citizen, admin_user, title=COPY_TITLE, body=COPY_BODY)
    unpublished_twin = make_message(citizen, admin_user, title=TITLE, body=BODY)
    published(citizen, admin_user, inside=False)  # 北京: outside the dispatcher's scope
    client.force_login(dispatcher)
    response = client.get(f"/api/v1/messages/{message.pk}/similar")
    body = assert_matches_openapi(response, "GET", "/api/v1/messages/{message_id}/similar")
    assert {row["id"] for row in body} == {twin.pk, unpublished_twin.pk}
    mergeable = {row["id"]: row["mergeable"] for row in body}
    assert mergeable == {twin.pk: True, unpublished_twin.pk: False}  # a pending message cannot be merged


def test_staff_see_a_copy_about_another_county_as_similar_not_as_a_duplicate(
    client, dispatcher, citizen, admin_user
):
    message = published(citizen, admin_user)  # 永德县 530923
    same_county = published(citizen, admin_user, title=COPY_TITLE, body=COPY_BODY)
    other_county = published(citizen, admin_user, title=COPY_TITLE, body=COPY_BODY)
    Message.objects.filter(pk=other_county.pk).update(region_id="530921")  # 凤庆县, same city
    city_wide = published(citizen, admin_user, title=COPY_TITLE, body=COPY_BODY)
    Message.objects.filter(pk=city_wide.pk).update(region_id="530900")  # 临沧市 contains 永德县
    client.force_login(dispatcher)
    response = client.get(f"/api/v1/messages/{message.pk}/similar")
    body = assert_matches_openapi(response, "GET", "/api/v1/messages/{message_id}/similar")
    flags = {row["id"]: row["near_duplicate"] for row in body}
    assert flags == {same_county.pk: True, other_county.pk: False, city_wide.pk: True}


def test_staff_api_answers_404_out_of_scope_and_401_anonymous(client, dispatcher, citizen, admin_user):
    beijing = published(citizen, admin_user, inside=False)
    client.force_login(dispatcher)
    response = client.get(f"/api/v1/messages/{beijing.pk}/similar")
    assert_matches_openapi(response, "GET", "/api/v1/messages/{message_id}/similar")
    assert response.status_code == 404
    client.logout()
    response = client.get(f"/api/v1/messages/{beijing.pk}/similar")
    assert_matches_openapi(response, "GET", "/api/v1/messages/{message_id}/similar")
    assert response.status_code == 401


# ---- Pages -----------------------------------------------------------------------------------------------


def post_form(**fields):
    return {
        "region_1": "530000",
        "region_2": "530900",
        "region_3": "",
        "leader_id": "",
        "type": "complaint",
        "domain": "",
        "public": "on",
        **fields,
    }


def test_post_page_shows_similar_messages_without_javascript(client, citizen, admin_user):
    answered = published(citizen, admin_user, state=MessageState.REPLIED)
    client.force_login(citizen)
    page = client.get("/post/").content.decode()
    assert "类似留言及其回复" in page and 'value="similar"' in page and "web/similar.js" in page
    response = client.post("/post/", post_form(step="similar", title=COPY_TITLE, body=COPY_BODY))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/messages/{answered.pk}/"' in html and "已答复" in html and "高度相似" in html
    assert COPY_BODY in html  # what was typed is kept
    assert not Message.objects.filter(title=COPY_TITLE).exists()  # and nothing was submitted


def test_post_page_after_a_refused_submission_shows_similar_messages(client, citizen, admin_user):
    original = published(citizen, admin_user)
    client.force_login(citizen)
    response = client.post("/post/", post_form(title=COPY_TITLE, body=COPY_BODY))  # no leader chosen
    assert response.status_code == 422
    assert f'href="/messages/{original.pk}/"' in response.content.decode()


def test_workbench_page_shows_similar_messages_and_merges_into_one(client, dispatcher, citizen, admin_user):
    message = published(citizen, admin_user)
    twin = published(citizen, admin_user, title=COPY_TITLE, body=COPY_BODY)
    client.force_login(dispatcher)
    html = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert "相似留言" in html and twin.serial in html and "疑似重复" in html
    assert f'action="/workbench/messages/{message.pk}/merge/#similar"' in html
    assert f'name="into_id" value="{twin.pk}"' in html
    response = client.post(f"/workbench/messages/{message.pk}/merge/", {"into_id": twin.pk})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.merged_into_id == twin.pk
    assert Event.objects.filter(message=message, kind=EventKind.MERGED).exists()
    # Merged away, it is no longer offered as similar, nor offered a merge itself.
    html = client.get(f"/workbench/messages/{twin.pk}/").content.decode()
    assert message.serial not in html.split('id="similar-heading"')[1].split("</section>")[0]


def test_workbench_merge_refusal_is_reported(client, dispatcher, citizen, admin_user):
    message = published(citizen, admin_user)
    client.force_login(dispatcher)
    response = client.post(f"/workbench/messages/{message.pk}/merge/", {"into_id": message.pk})
    assert response.status_code == 422 and "请选择要并入的另一条留言" in response.content.decode()
    message.refresh_from_db()
    assert message.merged_into_id is None


def test_workbench_page_with_many_similar_messages_stays_within_thirty_queries(
    client, dispatcher, citizen, admin_user, django_assert_max_num_queries
):
    message = published(citizen, admin_user)
    for _ in range(12):
        published(citizen, admin_user)
    client.force_login(dispatcher)
    with django_assert_max_num_queries(30):
        response = client.get(f"/workbench/messages/{message.pk}/")
    assert response.status_code == 200 and len(response.context["similar"]) == 8
