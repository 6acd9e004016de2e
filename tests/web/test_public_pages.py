"""The public pages through the front door: home, region and leader pages, message lists with their
filters, a message's page for each kind of reader, campaigns; and their query counts on ~50 messages."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from liuyan.accounts.choices import Role
from liuyan.board.actions import campaigns as campaign_actions
from liuyan.board.actions import dispatch, feedback, moderation, replies, submission
from liuyan.board.choices import CampaignState, MessageState
from liuyan.board.models import Message
from liuyan.board.privacy import mask_text
from liuyan.directory.models import Leader
from liuyan.reports import stats
from liuyan.reports.choices import Dimension
from liuyan.reports.counts import rebuild_counts
from tests.conftest import make_user
from tests.factories import latest_reply, make_message

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
ID_NUMBER = "530923199001011234"
PRIVATE_BODY = f"我家门口的路灯坏了很久，请联系我 {PHONE}，身份证 {ID_NUMBER}。"


@pytest.fixture
def campaign(admin_user):
    now = timezone.now()
    return campaign_actions.create_campaign(
        admin_user,
        title="我为家乡发展建言献策",
        slug="jianyan",
        description="欢迎就家乡发展提出意见建议。",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        state=CampaignState.OPEN,
    )


@pytest.fixture
def many_messages(citizen, admin_user, campaign):
    """About fifty messages in every public state, inside and outside 临沧市, some in the campaign."""
    states = [
        MessageState.PUBLISHED,
        MessageState.ASSIGNED,
        MessageState.IN_PROGRESS,
        MessageState.REPLY_REVIEW,
        MessageState.REPLIED,
    ]
    messages = []
    for i in range(50):
        extra = {"campaign_slug": campaign.slug} if i % 5 == 0 else {}
        messages.append(
            make_message(
                citizen,
                admin_user,
                states[i % len(states)],
                inside=i % 3 != 0,
                title=f"第{i}号小区的路灯坏了",
                **extra,
            )
        )
    make_message(citizen, admin_user, MessageState.PENDING_REVIEW, title="还没审核的留言")
    return messages


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def listed_ids(response) -> set[int]:
    return {row.message.id for row in response.context["rows"]}


# ---- Home ----


def test_home_shows_figures_latest_replies_campaigns_and_provinces(client, citizen, admin_user, campaign):
    replied = make_message(citizen, admin_user, MessageState.REPLIED, title="路灯修好了没有")
    make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="还在办理的留言")
    make_message(citizen, admin_user, MessageState.PENDING_REVIEW, title="待审核的留言")
    campaign_actions.create_campaign(
        admin_user,
        title="草稿专栏",
        slug="draft",
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=1),
    )
    response = client.get("/")
    html = html_of(response)
    figures = response.context["figures"]
    assert figures["messages"] == 2 and figures["messages_today"] == 2
    assert figures["replies"] == 1 and figures["replies_today"] == 1
    assert figures["reply_rate"] == 0.5 and "50%" in html
    assert [row.message.id for row in response.context["latest"]] == [replied.id]
    assert "还在办理的留言" not in html and "待审核的留言" not in html
    assert "我为家乡发展建言献策" in html and "草稿专栏" not in html
    assert 'href="/regions/530000/"' in html and 'action="/search/"' in html


def test_home_figures_are_cached_for_a_minute(client, citizen, admin_user, django_assert_max_num_queries):
    make_message(citizen, admin_user, MessageState.PUBLISHED)
    assert client.get("/").context["figures"]["messages"] == 1
    make_message(citizen, admin_user, MessageState.PUBLISHED)
    with django_assert_max_num_queries(4):
        assert client.get("/").context["figures"]["messages"] == 1
    cache.clear()
    assert client.get("/").context["figures"]["messages"] == 2


def test_home_query_count(client, many_messages, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        html_of(client.get("/"))


# ---- Region and leader pages ----


def test_region_page_links_its_leaders_and_counts_its_subtree(client, many_messages):
    response = client.get("/regions/530900/")
    html = html_of(response)
    head = Leader.objects.get(code="530900-head")
    assert f'href="/leaders/{head.id}/"' in html
    inside = [m for m in many_messages if m.region_id == "530923"]
    figures = response.context["figures"]
    assert figures.messages == len(inside)
    assert figures.replies == sum(m.state == MessageState.REPLIED for m in inside)
    assert figures.average_reply is not None and "回复率" in html and "满意度" in html
    assert 'href="/messages/?region=530900"' in html


def test_region_page_query_count(client, many_messages, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        html_of(client.get("/regions/530900/"))


def test_leader_page_lists_its_messages_by_tab_with_figures(client, many_messages):
    leader = Leader.objects.get(code="530900-head")
    mine = {m.id for m in many_messages if m.leader_id == leader.id}
    response = client.get(f"/leaders/{leader.id}/")
    html = html_of(response)
    assert response.context["page"].paginator.count == len(mine)
    assert listed_ids(response) <= mine and len(response.context["rows"]) == 20
    assert response.context["figures"].messages == len(mine)
    for label in ("留言量", "回复量", "回复率", "平均回复用时", "满意度"):
        assert label in html
    assert f'href="/post/?leader={leader.id}"' in html

    handled = client.get(f"/leaders/{leader.id}/", {"state": "handled"})
    expected = {m.id for m in many_messages if m.leader_id == leader.id and m.state == MessageState.REPLIED}
    assert listed_ids(handled) == expected
    assert 'aria-current="page">已办理' in html_of(handled)


def test_leader_page_of_an_unknown_leader_is_404(client):
    assert client.get("/leaders/999999/").status_code == 404


def test_leader_page_query_count(client, many_messages, django_assert_max_num_queries):
    leader = Leader.objects.get(code="530900-head")
    with django_assert_max_num_queries(12):
        html_of(client.get(f"/leaders/{leader.id}/", {"page": 2}))


def test_satisfaction_counts_ratings_averaging_four_or_more(client, citizen, admin_user):
    happy = make_message(citizen, admin_user, MessageState.REPLIED)
    unhappy = make_message(citizen, admin_user, MessageState.REPLIED)
    feedback.rate_message(citizen, happy.id, resolution=4, attitude=4, speed=4)
    feedback.rate_message(citizen, unhappy.id, resolution=4, attitude=4, speed=3)
    figures = client.get(f"/leaders/{happy.leader_id}/").context["figures"]
    assert (figures.ratings, figures.satisfied, figures.satisfaction) == (2, 1, 0.5)


def test_leader_and_region_figures_are_the_count_tables_all_time(client, citizen, admin_user):
    """One source for figures (reports/stats.py): the average reply time runs from submission, as the
    statistics pages count it, and the note under the figures says so."""
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    replied_at = Message.objects.get(pk=message.pk).replied_at
    Message.objects.filter(pk=message.pk).update(
        created_at=replied_at - timedelta(days=3), published_at=replied_at - timedelta(days=1)
    )
    rebuild_counts()
    for url in (f"/leaders/{message.leader_id}/", f"/regions/{message.region_id}/"):
        response = client.get(url)
        figures = response.context["figures"]
        assert (figures.messages, figures.replies, figures.average_reply_label) == (1, 1, "3.0 天")
        assert "平均回复用时自提交留言起算" in html_of(response)
    scope = stats.Scope(Dimension.LEADER, "", "", (str(message.leader_id),))
    counted = stats.figures(scope, timezone.localdate() - timedelta(days=3), timezone.localdate())
    assert counted.published == 1 and round(counted.avg_reply_hours) == 72


# ---- Message lists ----


def test_message_list_shows_public_messages_only(client, citizen, admin_user, editor):
    public = make_message(citizen, admin_user, MessageState.PUBLISHED)
    private = make_message(citizen, admin_user, MessageState.PUBLISHED, public=False)
    hidden = make_message(citizen, admin_user, MessageState.PUBLISHED)
    moderation.hide_message(admin_user, hidden.id, "含有不实信息")
    make_message(citizen, admin_user, MessageState.PENDING_REVIEW)
    for reader in (None, citizen, editor):
        if reader:
            client.force_login(reader)
        assert listed_ids(client.get("/messages/")) == {public.id}
    assert private.id and hidden.id


def test_message_list_filters(client, many_messages, campaign):
    def ids(**params):
        response = client.get("/messages/", params)
        assert response.status_code == 200
        return set(response.context["page"].paginator.object_list.values_list("id", flat=True))

    inside = {m.id for m in many_messages if m.region_id == "530923"}
    assert ids(region="530923") == inside
    assert ids(region="530000", state="waiting") == {
        m.id
        for m in many_messages
        if m.region_id == "530923" and m.state in (MessageState.PUBLISHED, MessageState.ASSIGNED)
    }
    assert ids(region="530900", state="handling") == {
        m.id
        for m in many_messages
        if m.region_id == "530923" and m.state in (MessageState.IN_PROGRESS, MessageState.REPLY_REVIEW)
    }
    beijing = Leader.objects.get(code="110105-head")
    assert ids(leader=beijing.id) == {m.id for m in many_messages if m.leader_id == beijing.id}
    assert ids(campaign=campaign.slug) == {m.id for m in many_messages if m.campaign_id == campaign.id}
    assert ids(type="complaint", region="110105") == {m.id for m in many_messages if m.region_id == "110105"}
    assert ids(type="thanks") == set()
    education = many_messages[0].domain_id
    assert ids(domain=education, region="530923") == inside
    assert ids(q="第7号", region="530923") == {many_messages[7].id}


def test_message_list_sorts_by_support(client, many_messages, citizen, editor):
    first, second = many_messages[4], many_messages[9]
    submission.support_message(citizen, first.id)
    submission.support_message(editor, first.id)
    submission.support_message(citizen, second.id)
    rows = client.get("/messages/", {"sort": "support"}).context["rows"]
    assert [row.message.id for row in rows[:2]] == [first.id, second.id]
    newest = client.get("/messages/").context["rows"]
    assert newest[0].message.id == max(m.id for m in many_messages)


def test_message_list_pages_keep_the_filters(client, many_messages):
    response = client.get("/messages/", {"region": "530000", "sort": "support"})
    html = html_of(response)
    assert response.context["page"].paginator.num_pages == 2
    next_link = re.search(r'href="([^"]*)" rel="next"', html)[1].replace("&amp;", "&")
    assert "region=530000" in next_link and "sort=support" in next_link and "page=2" in next_link
    tab_link = re.search(r'href="([^"]*state=handled[^"]*)"', html)[1].replace("&amp;", "&")
    assert "region=530000" in tab_link and "page=" not in tab_link
    second = client.get("/messages/" + next_link.split("/messages/")[-1])
    assert len(second.context["rows"]) == 33 - 20


def test_message_list_shows_bad_filters_next_to_their_fields_and_keeps_the_rest(client, many_messages):
    response = client.get("/messages/", {"domain": "abc", "q": "路" * 60, "region": "530923"})
    html = html_of(response)
    assert "没有这个领域。" in html and "关键词不能超过 50 个字。" in html
    assert "路" * 60 in html  # what was typed stays in the box
    assert response.context["filters"].region == "530923"
    assert response.context["page"].paginator.count == sum(m.region_id == "530923" for m in many_messages)


def test_message_list_unknown_region_is_shown_as_an_error_and_left_out(client, many_messages):
    response = client.get("/messages/", {"region": "999999"})
    assert "没有这个地区。" in html_of(response)
    assert response.context["filters"].region is None
    assert response.context["page"].paginator.count == len(many_messages)


def test_message_list_region_select_walks_down_the_tree(client):
    html = html_of(client.get("/messages/", {"region": "530900"}))
    assert '<option value="530000">' in html and '<option value="530900" selected>' in html
    assert '<option value="530923">永德县</option>' in html


def test_message_list_query_count(client, many_messages, handler, django_assert_max_num_queries):
    # The rows' leader, region, type and domain are four reads by id (board.selectors.for_page), not joins.
    with django_assert_max_num_queries(13):
        html_of(client.get("/messages/", {"region": "530000", "q": "路灯", "sort": "support"}))
    client.force_login(handler)
    with django_assert_max_num_queries(16):
        html_of(client.get("/messages/", {"state": "handling", "page": 1}))


def test_lists_mask_titles_for_the_public(client, citizen, admin_user):
    make_message(citizen, admin_user, MessageState.PUBLISHED, title=f"请回电{PHONE}", body=PRIVATE_BODY)
    html = html_of(client.get("/messages/"))
    assert PHONE not in html and mask_text(f"请回电{PHONE}") in html


# ---- A message's page ----


def test_message_page_shows_the_message_its_timeline_and_reply(client, citizen, admin_user, campaign):
    message = make_message(citizen, admin_user, MessageState.REPLIED, campaign_slug=campaign.slug)
    html = html_of(client.get(f"/messages/{message.id}/"))
    assert message.serial in html and message.title in html
    assert f'href="/regions/{message.region_id}/"' in html and f'href="/leaders/{message.leader_id}/"' in html
    assert "投诉" in html and "教育" in html and 'href="/campaigns/jianyan/"' in html
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)[1]
    labels = re.findall(r"<strong>(.*?)</strong>", timeline)
    assert labels == ["提交留言", "审核刊发", "交办", "受理", "回复"]
    assert "已安排交警在上下学时段疏导交通。" in html and "临沧市教育局" in html
    assert "提交回复" not in timeline  # internal events stay internal


def test_message_page_masks_for_the_public_and_not_for_author_or_staff(
    client, citizen, admin_user, handler, other_handler
):
    citizen.nickname = "王二小"
    citizen.save()
    message = make_message(
        citizen, admin_user, MessageState.IN_PROGRESS, body=PRIVATE_BODY, anonymous=True, contact_phone=PHONE
    )
    public_html = html_of(client.get(f"/messages/{message.id}/"))
    assert PHONE not in public_html and ID_NUMBER not in public_html
    assert mask_text(PRIVATE_BODY) in public_html
    assert "<dd>网友</dd>" in public_html and "王二小" not in public_html and "王*" not in public_html

    client.force_login(other_handler)  # a handler elsewhere reads it as the public does
    assert PHONE not in html_of(client.get(f"/messages/{message.id}/"))

    for reader in (citizen, handler):
        client.force_login(reader)
        html = html_of(client.get(f"/messages/{message.id}/"))
        assert PHONE in html and ID_NUMBER in html
    assert f'href="/workbench/messages/{message.id}/"' in html and "在工作台办理" in html


def test_message_page_is_404_for_who_may_not_see_it(client, citizen, admin_user, handler, other_handler):
    pending = make_message(citizen, admin_user, MessageState.PENDING_REVIEW)
    private = make_message(citizen, admin_user, MessageState.IN_PROGRESS, public=False)
    assert client.get(f"/messages/{pending.id}/").status_code == 404
    assert client.get(f"/messages/{private.id}/").status_code == 404
    assert client.get("/messages/99999999/").status_code == 404
    stranger = make_user("stranger", Role.CITIZEN)
    client.force_login(stranger)
    assert client.get(f"/messages/{private.id}/").status_code == 404
    client.force_login(other_handler)  # out of scope: not its unit
    assert client.get(f"/messages/{private.id}/").status_code == 404
    client.force_login(handler)  # in scope: its unit holds it
    html = html_of(client.get(f"/messages/{private.id}/"))
    assert "留言人选择不公开这条留言" in html
    client.force_login(citizen)
    assert "待审核" in html_of(client.get(f"/messages/{pending.id}/"))


def test_the_author_may_withdraw_while_pending(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PENDING_REVIEW)
    client.force_login(citizen)
    html = html_of(client.get(f"/messages/{message.id}/"))
    assert f'action="/messages/{message.id}/withdraw/"' in html and "csrfmiddlewaretoken" in html
    assert "点赞" not in html and 'action="/messages/{message.id}/rate/"' not in html


def test_the_author_rates_and_follows_up_a_replied_message(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    client.force_login(citizen)
    html = html_of(client.get(f"/messages/{message.id}/"))
    form = re.search(rf'<form method="post" action="/messages/{message.id}/rate/".*?</form>', html, re.S)[0]
    for name, label in (("resolution", "解决程度"), ("attitude", "办理态度"), ("speed", "办理速度")):
        assert f"<legend>{label}" in form
        assert len(re.findall(rf'type="radio" name="{name}" value="[1-5]"', form)) == 5
    assert 'name="comment"' in form and "csrfmiddlewaretoken" in form
    follow = re.search(
        rf'<form method="post" action="/messages/{message.id}/follow-up/".*?</form>', html, re.S
    )
    assert 'name="text"' in follow[0] and 'type="checkbox" name="new_question"' in follow[0]
    assert "提出新问题" in follow[0]

    feedback.rate_message(citizen, message.id, resolution=2, attitude=2, speed=2, comment="没解决")
    html = html_of(client.get(f"/messages/{message.id}/"))
    assert f'action="/messages/{message.id}/rate/"' not in html  # rated already; may still follow up
    assert f'action="/messages/{message.id}/follow-up/"' in html and "没解决" in html


def test_others_see_no_author_forms(client, citizen, admin_user, editor):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    for reader in (None, editor, make_user("stranger", Role.CITIZEN)):
        if reader:
            client.force_login(reader)
        html = html_of(client.get(f"/messages/{message.id}/"))
        assert "/rate/" not in html and "/follow-up/" not in html and "/withdraw/" not in html


def test_support_button(client, citizen, admin_user, editor):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    html = html_of(client.get(f"/messages/{message.id}/"))
    assert f'href="/accounts/login/?next=/messages/{message.id}/"' in html and "登录后点赞" in html
    supporter = make_user("supporter", Role.CITIZEN)
    client.force_login(supporter)
    html = html_of(client.get(f"/messages/{message.id}/"))
    assert f'action="/messages/{message.id}/support/"' in html
    submission.support_message(supporter, message.id)
    assert "已点赞 · 1" in html_of(client.get(f"/messages/{message.id}/"))


def test_a_joint_reply_links_the_other_messages(client, citizen, admin_user):
    first = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="城区学校门口拥堵")
    second = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="放学时段交通混乱")
    reply = replies.submit_reply(admin_user, first.id, "公安交警部门将在上下学时段增派警力。", [second.id])
    replies.approve_reply(admin_user, reply.id)
    html = html_of(client.get(f"/messages/{first.id}/"))
    assert f'href="/messages/{second.id}/"' in html and second.serial in html and "公开回复" in html


def test_a_merged_message_links_the_one_it_joined(client, citizen, admin_user):
    kept = make_message(citizen, admin_user, MessageState.PUBLISHED)
    duplicate = make_message(citizen, admin_user, MessageState.PUBLISHED)
    dispatch.merge_messages(admin_user, duplicate.id, kept.id)
    html = html_of(client.get(f"/messages/{duplicate.id}/"))
    assert f'href="/messages/{kept.id}/"' in html and "已并入" in html


def test_message_page_query_count(client, many_messages, citizen, handler, django_assert_max_num_queries):
    message = next(m for m in many_messages if m.state == MessageState.REPLIED and m.region_id == "530923")
    feedback.follow_up_message(citizen, message.id, "请问什么时候能彻底解决？")
    for reader in (None, citizen, handler):
        if reader:
            client.force_login(reader)
        with django_assert_max_num_queries(20):
            html_of(client.get(f"/messages/{message.id}/"))


def test_message_page_reads_a_public_reader_s_message_in_few_narrow_queries(
    client, citizen, admin_user, campaign, django_assert_num_queries
):
    plain = make_message(citizen, admin_user, MessageState.REPLIED)
    in_campaign = make_message(citizen, admin_user, MessageState.REPLIED, campaign_slug=campaign.slug)
    # The message joined with its leader, region, type, domain and author; its events, replies (with the
    # messages each answers), ratings, follow-ups, attachments and, once replied, its revisits (回访).
    with django_assert_num_queries(8) as captured:
        html_of(client.get(f"/messages/{plain.id}/"))
    assert captured.captured_queries[0]["sql"].count(" JOIN ") == 5
    # A campaign is read by id when the message has one.
    with django_assert_num_queries(9):
        assert 'href="/campaigns/jianyan/"' in html_of(client.get(f"/messages/{in_campaign.id}/"))


def test_pages_carry_no_inline_script_or_style(client, many_messages):
    message = many_messages[4]
    for path in ("/", "/messages/", f"/messages/{message.id}/", "/regions/530900/", "/campaigns/"):
        html = html_of(client.get(path))
        assert "<script>" not in html and " style=" not in html and "<style" not in html


# ---- Campaigns ----


def test_campaign_pages(client, many_messages, campaign, admin_user):
    closed = campaign_actions.create_campaign(
        admin_user,
        title="往期征集",
        slug="past",
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=30),
        state=CampaignState.CLOSED,
    )
    draft = campaign_actions.create_campaign(
        admin_user,
        title="筹备中的专栏",
        slug="draft",
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=3),
    )
    listing = html_of(client.get("/campaigns/"))
    assert listing.index("我为家乡发展建言献策") < listing.index("往期征集") and "筹备中的专栏" not in listing
    assert client.get(f"/campaigns/{draft.slug}/").status_code == 404
    assert client.get("/campaigns/nope/").status_code == 404

    response = client.get(f"/campaigns/{campaign.slug}/")
    html = html_of(response)
    assert 'href="/post/?campaign=jianyan"' in html and "欢迎就家乡发展提出意见建议。" in html
    assert listed_ids(response) == {m.id for m in many_messages if m.campaign_id == campaign.id}
    assert "/post/?campaign=past" not in html_of(client.get(f"/campaigns/{closed.slug}/"))


def test_campaign_pages_query_count(client, many_messages, campaign, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        html_of(client.get("/campaigns/"))
    with django_assert_max_num_queries(10):
        html_of(client.get(f"/campaigns/{campaign.slug}/"))


def test_a_reply_sent_back_stays_internal(client, citizen, admin_user, handler):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    replies.submit_reply(admin_user, message.id, "已经安排有关部门尽快处理此事。")
    replies.send_back_reply(admin_user, latest_reply(message).id, "答复过于简单，请写明措施。")
    html = html_of(client.get(f"/messages/{message.id}/"))
    assert "答复过于简单" not in html and "已经安排有关部门尽快处理此事。" not in html
    assert "还没有回复。" in html
    client.force_login(handler)  # staff in scope see the draft and why it was sent back
    html = html_of(client.get(f"/messages/{message.id}/"))
    assert "已经安排有关部门尽快处理此事。" in html and "已退回" in html and "答复过于简单" in html
