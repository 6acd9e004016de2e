"""RSS and Atom feeds of a region (subtree), a leader and a campaign: new public messages and new replies,
masked, nothing that is not public, and 404 for a place that does not exist."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import moderation, replies
from liuyan.board.actions.campaigns import create_campaign
from liuyan.board.choices import MessageState
from liuyan.board.models import Message, Reply
from liuyan.directory.models import Leader
from tests.factories import make_message

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PHONE = "13812345678"


def rss_items(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    return [
        {child.tag: child.text for child in item} | {"categories": [c.text for c in item.findall("category")]}
        for item in channel.findall("item")
    ]


def atom_entries(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "summary": entry.findtext(f"{ATOM}summary"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


@pytest.fixture
def board(citizen, admin_user):
    now = timezone.now()
    campaign = create_campaign(
        admin_user,
        title="为家乡建言",
        slug="jianyan",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        state="open",
    )
    replied = make_message(
        citizen, admin_user, MessageState.REPLIED, title="道路破损请修复", body=f"电话 {PHONE}，道路破损。"
    )
    published = make_message(
        citizen, admin_user, MessageState.PUBLISHED, title="建议增设公交线路", campaign_slug="jianyan"
    )
    make_message(citizen, admin_user, MessageState.REPLIED, title="不公开的留言", public=False)
    hidden = make_message(citizen, admin_user, MessageState.PUBLISHED, title="被隐藏的留言内容")
    moderation.hide_message(admin_user, hidden.id, "含不实信息")
    make_message(citizen, admin_user, MessageState.PENDING_REVIEW, title="尚未审核的留言")
    beijing = make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False, title="朝阳区公园噪音")
    return {"campaign": campaign, "replied": replied, "published": published, "beijing": beijing}


def test_region_feed_has_new_messages_and_replies_of_its_subtree(client, board):
    items = rss_items(client.get("/regions/530900/feed.rss"))  # 临沧市; the messages concern 永德县 under it
    titles = [item["title"] for item in items]
    assert sorted(titles) == sorted(["道路破损请修复", "回复：道路破损请修复", "建议增设公交线路"])
    reply = next(item for item in items if item["title"].startswith("回复："))
    assert reply["link"].endswith(f"/messages/{board['replied'].id}/")
    assert "临沧市教育局" in reply["description"]
    assert reply["categories"] == ["回复"]
    message = next(item for item in items if item["title"] == "道路破损请修复")
    assert "138****5678" in message["description"] and PHONE not in message["description"]
    assert message["pubDate"]
    # Newest first: the reply was approved after the message was published.
    assert titles.index("回复：道路破损请修复") < titles.index("道路破损请修复")
    assert [item["title"] for item in rss_items(client.get("/regions/110105/feed.rss"))] == ["朝阳区公园噪音"]


FEED_TITLES = {"道路破损请修复", "回复：道路破损请修复", "建议增设公交线路"}


def test_atom_feed(client, board):
    entries = atom_entries(client.get("/regions/530923/feed.atom"))
    assert {entry["title"] for entry in entries} == FEED_TITLES
    assert all(entry["link"].startswith("http://testserver/messages/") for entry in entries)
    assert all(entry["updated"] for entry in entries)


def test_leader_feed(client, board):
    leader = Leader.objects.get(code="530900-head")
    items = rss_items(client.get(f"/leaders/{leader.id}/feed.rss"))
    assert {item["title"] for item in items} == FEED_TITLES
    assert len(atom_entries(client.get(f"/leaders/{leader.id}/feed.atom"))) == 3


def test_campaign_feed(client, board):
    items = rss_items(client.get("/campaigns/jianyan/feed.rss"))
    assert [item["title"] for item in items] == ["建议增设公交线路"]
    assert [entry["title"] for entry in atom_entries(client.get("/campaigns/jianyan/feed.atom"))] == [
        "建议增设公交线路"
    ]


@pytest.mark.slow
def test_feed_holds_the_latest_50_items(client, citizen, admin_user):
    for i in range(26):
        make_message(citizen, admin_user, MessageState.REPLIED, title=f"学校门口交通拥堵{i}")
    items = rss_items(client.get("/regions/530900/feed.rss"))
    assert len(items) == 50


@pytest.mark.parametrize(
    "path",
    [
        "/regions/999999/feed.rss",
        "/regions/999999/feed.atom",
        "/leaders/999999/feed.rss",
        "/campaigns/no-such-campaign/feed.rss",
    ],
)
def test_unknown_place_is_404(client, board, path):
    assert client.get(path).status_code == 404


def test_draft_campaign_has_no_feed(client, admin_user):
    now = timezone.now()
    create_campaign(
        admin_user, title="筹备中的专栏", slug="draft", opens_at=now, closes_at=now + timedelta(days=3)
    )
    assert client.get("/campaigns/draft/feed.rss").status_code == 404


def test_pages_announce_and_link_their_feeds(client, board):
    leader = Leader.objects.get(code="530900-head")
    for page, feed in [
        ("/regions/530900/", "/regions/530900/feed.rss"),
        (f"/leaders/{leader.id}/", f"/leaders/{leader.id}/feed.rss"),
        ("/campaigns/jianyan/", "/campaigns/jianyan/feed.rss"),
    ]:
        html = client.get(page).content.decode()
        assert '<link rel="alternate" type="application/rss+xml"' in html
        assert f'href="{feed}"' in html
        assert f'<a class="feed-link" href="{feed}"' in html and ">订阅</a>" in html
        assert 'type="application/atom+xml"' in html


def replied_with(citizen, admin_user, reply_body: str, **fields):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS, **fields)
    reply = replies.submit_reply(admin_user, message.id, reply_body)
    replies.approve_reply(admin_user, reply.id)
    return message


def test_feeds_carry_markup_as_text_never_as_html(client, citizen, admin_user):
    """A reader renders a description as HTML: a citizen's markup must reach it escaped, as text."""
    markup = "<img src=x onerror=alert(1)>"
    replied_with(
        citizen,
        admin_user,
        f"已核实，{markup}<script>alert(2)</script>",
        title="路灯坏了<b>很久</b>",
        body=f"路灯坏了很久 {markup} 请修复",
    )
    items = rss_items(client.get("/regions/530923/feed.rss"))
    entries = atom_entries(client.get("/regions/530923/feed.atom"))
    descriptions = [item["description"] for item in items] + [entry["summary"] for entry in entries]
    assert len(descriptions) == 4
    for html in descriptions:
        assert "<img" not in html and "<script" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert all("<b>" not in d or "&lt;b&gt;" in d for d in descriptions)
    assert "路灯坏了<b>很久</b>" in {item["title"] for item in items}  # a title is plain text already


def test_a_stored_control_character_does_not_break_the_feeds(client, citizen, admin_user):
    """Old rows may hold characters XML 1.0 cannot carry; the feeds leave them out and stay well-formed."""
    message = replied_with(citizen, admin_user, "已安排施工队修复破损路面。", title="道路破损请修复")
    Message.objects.filter(pk=message.pk).update(
        title="道路\x01破损请修复", body="坑洼\x1f很多\x08请修复\ufffe。"
    )
    Reply.objects.filter(messages=message).update(body="已安排施工队\x0b修复破损路面。")
    for path in ("/regions/530923/feed.rss", "/regions/530900/feed.atom", "/regions/530000/feed.rss"):
        response = client.get(path)
        assert response.status_code == 200, path
        for char in "\x01\x08\x0b\x1f\ufffe":
            assert char not in response.content.decode(), path
    items = rss_items(client.get("/regions/530923/feed.rss"))
    assert {item["title"] for item in items} == {"道路破损请修复", "回复：道路破损请修复"}
    assert {item["description"] for item in items} == {
        "坑洼很多请修复。",
        "临沧市教育局：已安排施工队修复破损路面。",
    }


def test_a_replys_office_phone_stays_and_the_citizens_numbers_are_masked(client, citizen, admin_user):
    replied_with(
        citizen,
        admin_user,
        "请致电 0883-2123456 咨询；已与留言人（13912345678）联系。",
        title="道路破损请修复",
        body="我家座机 0883-2127777，手机 139 1234 5678，身份证５３０９２３１９９００１０１１２３４。",
    )
    items = {item["title"]: item for item in rss_items(client.get("/regions/530923/feed.rss"))}
    reply = items["回复：道路破损请修复"]["description"]
    assert "0883-2123456" in reply and "13912345678" not in reply and "139****5678" in reply
    message = items["道路破损请修复"]["description"]
    assert "0883-2127777" not in message and "0883-***7777" in message
    assert "139 **** 5678" in message and "５３０９２３********１２３４" in message


def test_open311_xml_leaves_out_the_same_characters(client, citizen, admin_user):
    """Open311's XML is written through the feeds' xml_text: one stored control character used to make it
    malformed."""
    message = replied_with(citizen, admin_user, "已安排施工队修复破损路面。", title="道路破损请修复")
    Message.objects.filter(pk=message.pk).update(body="坑洼\x01很多请修复。")
    Reply.objects.filter(messages=message).update(body="已安排施工队\x0b修复破损路面。")
    response = client.get(f"/open311/v2/requests/{message.serial}.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.findtext("request/description") == "道路破损请修复\n\n坑洼很多请修复。"
    assert root.findtext("request/status_notes") == "已安排施工队修复破损路面。"
