"""RSS and Atom feeds of a region (subtree), a leader and a campaign: new public messages and new replies,
masked, nothing that is not public, and 404 for a place that does not exist."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import moderation
from liuyan.board.actions.campaigns import create_campaign
from liuyan.board.choices import MessageState
from liuyan.directory.models import Leader
from tests.board.factories import make_message

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
