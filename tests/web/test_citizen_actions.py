"""A citizen's POSTs on a message: support (点赞), rate, follow up, withdraw. Each answers with a flash
message on the message page; a refused form is shown again there with what was typed."""

import pytest
from django.contrib.messages import get_messages

from liuyan.board.choices import MessageState
from liuyan.board.models import FollowUp, Rating, Support
from tests.conftest import make_user
from tests.factories import make_message

pytestmark = pytest.mark.django_db

GOOD_RATING = {"resolution": "5", "attitude": "4", "speed": "4", "comment": "解决得很及时。"}


def flashes(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def other_citizen(db):
    return make_user("other-citizen", "citizen")


def as_user(client, user):
    client.force_login(user)
    return client


# ---- shared rules: POST only, visitors sign in first, invisible messages are not found ----


@pytest.mark.parametrize("action", ["support", "rate", "follow-up", "withdraw"])
def test_only_post(client, citizen, admin_user, action):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    as_user(client, citizen)
    assert client.get(f"/messages/{message.id}/{action}/").status_code == 405


@pytest.mark.parametrize("action", ["support", "rate", "follow-up", "withdraw"])
def test_a_visitor_signs_in_and_comes_back_to_the_message(client, citizen, admin_user, action):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    response = client.post(f"/messages/{message.id}/{action}/")
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next=/messages/{message.id}/"


@pytest.mark.parametrize("action", ["support", "rate", "follow-up", "withdraw"])
def test_a_message_out_of_sight_is_not_found(client, citizen, other_citizen, admin_user, action):
    pending = make_message(citizen, admin_user)  # not yet public: only its author sees it
    as_user(client, other_citizen)
    assert client.post(f"/messages/{pending.id}/{action}/", GOOD_RATING).status_code == 404
    assert client.post(f"/messages/999999/{action}/").status_code == 404


# ---- support ----


def test_support_once(client, citizen, other_citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    as_user(client, other_citizen)

    response = client.post(f"/messages/{message.id}/support/")

    assert response.status_code == 302 and response.url == f"/messages/{message.id}/"
    assert flashes(response) == [("success", "点赞成功，这条留言已获 1 个赞。")]
    message.refresh_from_db()
    assert message.support_count == 1 and Support.objects.filter(user=other_citizen).exists()

    client.get(f"/messages/{message.id}/")  # the page shows the first notice
    again = client.post(f"/messages/{message.id}/support/")
    assert again.status_code == 302 and flashes(again) == [("error", "您已经为这条留言点过赞了。")]
    message.refresh_from_db()
    assert message.support_count == 1


def test_support_of_a_private_message_is_not_found_even_for_staff_in_scope(
    client, citizen, handler, admin_user
):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS, public=False)
    as_user(client, handler)
    assert client.post(f"/messages/{message.id}/support/").status_code == 404


# ---- rate ----


def test_rating_a_reply_closes_the_message(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    as_user(client, citizen)

    response = client.post(f"/messages/{message.id}/rate/", GOOD_RATING)

    assert response.status_code == 302 and response.url == f"/messages/{message.id}/"
    assert flashes(response) == [("success", "感谢您的评价，这条留言已办结。")]
    rating = Rating.objects.get(message=message)
    assert (rating.resolution, rating.attitude, rating.speed, rating.comment) == (5, 4, 4, "解决得很及时。")
    message.refresh_from_db()
    assert message.state == MessageState.CLOSED
    assert message.events.filter(kind="rated", actor=citizen).exists()


def test_an_unsatisfied_rating_leaves_the_message_open(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    as_user(client, citizen)

    response = client.post(
        f"/messages/{message.id}/rate/", {"resolution": "1", "attitude": "2", "speed": "2"}
    )

    assert flashes(response) == [
        (
            "success",
            "感谢您的评价。您对办理结果不满意，留言办理工作机构将对您进行回访，必要时交办理单位重新办理；"
            "在此期间您仍可以追问。",
        )
    ]
    message.refresh_from_db()
    assert message.state == MessageState.REPLIED and message.awaiting_revisit


def test_rating_before_the_reply_is_flashed(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    as_user(client, citizen)

    response = client.post(f"/messages/{message.id}/rate/", GOOD_RATING)

    assert response.status_code == 302 and response.url == f"/messages/{message.id}/"
    assert flashes(response) == [("error", "这条留言当前状态为“办理中”，不能评价。")]
    assert not Rating.objects.exists()


def test_rating_someone_else_s_message_is_forbidden(client, citizen, other_citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    as_user(client, other_citizen)

    response = client.post(f"/messages/{message.id}/rate/", GOOD_RATING)

    assert response.status_code == 403 and "只有留言人本人可以这样做。" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_missing_score_is_shown_on_the_message_page_with_the_comment_kept(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    as_user(client, citizen)

    response = client.post(
        f"/messages/{message.id}/rate/", {"resolution": "5", "attitude": "9", "comment": "还算满意的评价"}
    )

    form = response.context["rating_form"]
    assert response.status_code == 422
    assert form.errors["attitude"] == ["办理态度请打 1–5 分。"]
    assert form.errors["speed"] == ["请为办理速度打分（1–5 分）。"]
    assert "还算满意的评价" in response.content.decode()
    assert not Rating.objects.exists()


# ---- follow up ----


def test_a_follow_up_is_added_for_the_unit(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    as_user(client, citizen)

    response = client.post(f"/messages/{message.id}/follow-up/", {"text": "请问现在办理到哪一步了？"})

    assert response.status_code == 302 and response.url == f"/messages/{message.id}/"
    assert flashes(response) == [("success", "追问已提交，办理单位会看到您的追问。")]
    follow_up = FollowUp.objects.get(message=message)
    assert follow_up.body == "请问现在办理到哪一步了？" and not follow_up.reopened


def test_a_new_question_reopens_a_replied_message(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    as_user(client, citizen)

    response = client.post(
        f"/messages/{message.id}/follow-up/", {"text": "早高峰依然拥堵，能否增派人手？", "new_question": "on"}
    )

    assert flashes(response) == [("success", "追问已提交，留言已重新交办，将在督办下办理。")]
    message.refresh_from_db()
    assert message.state == MessageState.IN_PROGRESS and message.supervised


def test_a_too_short_follow_up_is_shown_again_with_its_text(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    as_user(client, citizen)

    response = client.post(f"/messages/{message.id}/follow-up/", {"text": "还有", "new_question": "on"})

    form = response.context["follow_up_form"]
    assert response.status_code == 422
    assert form.errors["text"] == ["追问内容至少 5 个字。"]
    assert "还有" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_a_follow_up_before_assignment_is_flashed(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    as_user(client, citizen)

    response = client.post(f"/messages/{message.id}/follow-up/", {"text": "请问什么时候交办？"})

    assert flashes(response) == [("error", "这条留言当前状态为“待交办”，不能追问。")]


def test_following_up_someone_else_s_message_is_forbidden(client, citizen, other_citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    as_user(client, other_citizen)

    response = client.post(f"/messages/{message.id}/follow-up/", {"text": "我也想知道办理进度。"})

    assert response.status_code == 403 and not FollowUp.objects.exists()


def test_staff_in_scope_are_not_the_author(client, citizen, handler, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS, public=False)
    as_user(client, handler)

    response = client.post(f"/messages/{message.id}/follow-up/", {"text": "单位不能代替网友追问。"})

    assert response.status_code == 403


def test_out_of_scope_staff_cannot_reach_a_private_message(client, citizen, other_handler, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS, public=False, inside=False)
    as_user(client, other_handler)
    assert (
        client.post(f"/messages/{message.id}/follow-up/", {"text": "不在范围内的留言。"}).status_code == 404
    )


# ---- withdraw ----


def test_withdrawing_a_message_awaiting_review(client, citizen, admin_user):
    message = make_message(citizen, admin_user)
    as_user(client, citizen)

    # The message page's button asks first; the confirmation page's button withdraws.
    asked = client.post(f"/messages/{message.id}/withdraw/")
    html = asked.content.decode()
    assert (
        asked.status_code == 200 and "确定撤回这条留言吗？" in html and 'name="confirmed" value="yes"' in html
    )
    assert f'href="/messages/{message.id}/">不撤回，返回留言</a>' in html
    message.refresh_from_db()
    assert (
        message.state == MessageState.PENDING_REVIEW and not message.events.filter(kind="withdrawn").exists()
    )

    response = client.post(f"/messages/{message.id}/withdraw/", {"confirmed": "yes"})

    assert response.status_code == 302 and flashes(response) == [("success", "留言已撤回。")]
    message.refresh_from_db()
    assert message.state == MessageState.WITHDRAWN
    assert message.events.filter(kind="withdrawn", actor=citizen).count() == 1


def test_the_message_page_offers_withdrawing_as_a_first_step(client, citizen, admin_user):
    message = make_message(citizen, admin_user)
    as_user(client, citizen)
    html = client.get(f"/messages/{message.id}/").content.decode()
    assert f'action="/messages/{message.id}/withdraw/"' in html and "撤回留言…</button>" in html
    assert 'name="confirmed"' not in html


def test_a_published_message_cannot_be_withdrawn(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    as_user(client, citizen)

    response = client.post(f"/messages/{message.id}/withdraw/")

    assert flashes(response) == [("error", "这条留言当前状态为“待交办”，不能撤回。")]
    message.refresh_from_db()
    assert message.state == MessageState.PUBLISHED


def test_withdrawing_someone_else_s_public_message_is_forbidden(client, citizen, other_citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    as_user(client, other_citizen)
    assert client.post(f"/messages/{message.id}/withdraw/").status_code == 403
