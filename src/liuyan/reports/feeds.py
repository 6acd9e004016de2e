"""RSS 2.0 and Atom feeds of a region (with the places under it), a leader and a campaign.

One mixed feed per place: its newly published public messages and the newly published replies to them,
newest first, the latest 50 items in all. A message item is dated by its publication, a reply item
(「回复：…」, linking to the message) by its approval. Only public messages count (published, not hidden,
not kept private by their author, not merged); texts are masked as on the public pages.

Feed readers take an item's description (RSS `<description>`, Atom `<summary type="html">`) as HTML: a
citizen's text goes in HTML-escaped, so that it shows as the plain text it is and its markup never runs.
Characters XML 1.0 cannot hold are left out of everything a feed writes, so an old row holding one cannot
break the feed.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.text import Truncator

from liuyan.board import selectors
from liuyan.board.choices import ReplyState
from liuyan.board.models import Campaign, Message, Reply
from liuyan.board.privacy import mask_reply, mask_text
from liuyan.directory.models import Leader, Region

FEED_ITEMS = 50
EXCERPT_CHARS = 200
# What XML 1.0 cannot hold: control characters other than tab, newline and carriage return; lone
# surrogates; U+FFFE and U+FFFF.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold."""
    return XML_INVALID.sub("", text)


@dataclass(frozen=True)
class FeedItem:
    """A new message or a new reply, as a feed shows it."""

    guid: str
    title: str
    description: str
    link: str
    published: datetime
    category: str


def feed_items(public: QuerySet[Message], limit: int = FEED_ITEMS) -> list[FeedItem]:
    """The latest messages of `public` (a subset of the public messages) and the latest published replies
    to them, newest first; two queries."""
    items = [
        FeedItem(
            guid=f"message-{m.pk}",
            title=mask_text(m.title),
            description=Truncator(mask_text(m.body)).chars(EXCERPT_CHARS),
            link=reverse("web:message-detail", args=[m.pk]),
            published=m.published_at,
            category=m.domain.name,
        )
        for m in public.filter(published_at__isnull=False)
        .select_related("domain")
        .only("pk", "title", "body", "published_at", "domain__name")
        .order_by("-published_at", "-id")[:limit]
    ]
    # A joint reply answers several messages: one item, linked to the first of them in this feed.
    links = (
        Reply.messages.through.objects.filter(
            reply__state=ReplyState.PUBLISHED, reply__reviewed_at__isnull=False, message__in=public
        )
        .select_related("reply__unit", "message")
        .only("reply__body", "reply__reviewed_at", "reply__unit__name", "message__title")
        .order_by("-reply__reviewed_at", "-reply_id", "message_id")[: limit * 2]
    )
    seen: set[int] = set()
    for link in links:
        if link.reply_id in seen:
            continue
        seen.add(link.reply_id)
        reply = link.reply
        items.append(
            FeedItem(
                guid=f"reply-{reply.pk}",
                title=f"回复：{mask_text(link.message.title)}",
                description=Truncator(f"{reply.unit.name}：{mask_reply(reply.body)}").chars(EXCERPT_CHARS),
                link=reverse("web:message-detail", args=[link.message_id]),
                published=reply.reviewed_at,
                category="回复",
            )
        )
    items.sort(key=lambda item: item.published, reverse=True)
    return items[:limit]


class PlaceFeed(Feed):
    """What the feeds of a region, leader and campaign share: the items and how they are shown."""

    feed_type = Rss201rev2Feed
    language = "zh-cn"

    def place(self, obj) -> Q:
        """Which messages belong to the place; the public ones among them feed the items."""
        raise NotImplementedError

    def items(self, obj) -> list[FeedItem]:
        return feed_items(selectors.public_messages().filter(self.place(obj)))

    def item_title(self, item: FeedItem) -> str:
        return xml_text(item.title)  # a title is plain text in both formats

    def item_description(self, item: FeedItem) -> str:
        return escape(xml_text(item.description))

    def item_link(self, item: FeedItem) -> str:
        return item.link

    def item_guid(self, item: FeedItem) -> str:
        return item.guid

    item_guid_is_permalink = False

    def item_pubdate(self, item: FeedItem) -> datetime:
        return item.published

    def item_updateddate(self, item: FeedItem) -> datetime:
        return item.published  # Atom requires <updated>; an item does not change once out

    def item_categories(self, item: FeedItem) -> list[str]:
        return [xml_text(item.category)]


class RegionFeed(PlaceFeed):
    def get_object(self, request, code: str) -> Region:
        region = Region.objects.filter(pk=code).first()
        if region is None:
            raise Http404("没有这个行政区划。")
        return region

    def title(self, obj: Region) -> str:
        return f"{obj.name}留言 · 留言板"

    def link(self, obj: Region) -> str:
        return reverse("web:region-detail", args=[obj.code])

    def description(self, obj: Region) -> str:
        return f"{obj.name}及下辖地区新刊发的留言和新公开的回复。"

    def place(self, obj: Region) -> Q:
        return Q(region__path__startswith=obj.path)


class LeaderFeed(PlaceFeed):
    def get_object(self, request, leader_id: int) -> Leader:
        leader = Leader.objects.filter(pk=leader_id).first()
        if leader is None:
            raise Http404("没有这位领导。")
        return leader

    def title(self, obj: Leader) -> str:
        return f"给{obj.title}的留言 · 留言板"

    def link(self, obj: Leader) -> str:
        return reverse("web:leader-detail", args=[obj.pk])

    def description(self, obj: Leader) -> str:
        return f"给{obj.title}的新刊发留言和新公开的回复。"

    def place(self, obj: Leader) -> Q:
        return Q(leader=obj)


class CampaignFeed(PlaceFeed):
    def get_object(self, request, slug: str) -> Campaign:
        campaign = selectors.public_campaigns().filter(slug=slug).first()
        if campaign is None:
            raise Http404("没有这个专栏。")
        return campaign

    def title(self, obj: Campaign) -> str:
        return f"{obj.title} · 留言板"

    def link(self, obj: Campaign) -> str:
        return reverse("web:campaign-detail", args=[obj.slug])

    def description(self, obj: Campaign) -> str:
        return f"专栏「{obj.title}」新刊发的留言和新公开的回复。"

    def place(self, obj: Campaign) -> Q:
        return Q(campaign=obj)


class RegionAtomFeed(RegionFeed):
    feed_type = Atom1Feed
    subtitle = RegionFeed.description


class LeaderAtomFeed(LeaderFeed):
    feed_type = Atom1Feed
    subtitle = LeaderFeed.description


class CampaignAtomFeed(CampaignFeed):
    feed_type = Atom1Feed
    subtitle = CampaignFeed.description
