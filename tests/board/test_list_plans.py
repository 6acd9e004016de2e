"""The public lists read through indexes that serve their filter and order (PostgreSQL only).

Each list page and API list is requested for real; every statement it sends that reads board_message is
EXPLAINed with sequential scans and explicit sorts priced out (enable_seqscan, enable_sort off). PostgreSQL
still picks them when nothing else can answer; so a plan with a Seq Scan on board_message, or a Sort above
it, means no index returns that list's rows in its order: its cost would grow with the table (issue 15).
On a table of a few hundred rows the planner would rightly prefer a scan; pricing scans out asks the
question that matters at a million rows: is there an ordered index path at all?
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liuyan.board.actions import campaigns as campaign_actions
from liuyan.board.choices import CampaignState, MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Domain, Leader
from tests.factories import make_message

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's"),
]

COPIES = 300
STATES = [
    MessageState.PUBLISHED,
    MessageState.ASSIGNED,
    MessageState.IN_PROGRESS,
    MessageState.REPLY_REVIEW,
    MessageState.REPLIED,
    MessageState.CLOSED,
    MessageState.PENDING_REVIEW,
]


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
def listed(citizen, admin_user, campaign):
    """Two real messages (inside and outside 临沧市), copied a few hundred times over every state, both
    places, some hidden, private or in the campaign; then ANALYZE, as autovacuum would."""
    originals = [
        make_message(citizen, admin_user, MessageState.PUBLISHED, inside=True),
        make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False, campaign_slug=campaign.slug),
    ]
    now = timezone.now()
    copies = []
    for i in range(COPIES):
        copy = Message.objects.get(pk=originals[i % 2].pk)
        copy.pk = None
        copy.serial = f"LY{i:014d}"
        copy.state = STATES[i % len(STATES)]
        copy.published_at = now - timedelta(hours=i)
        copy.support_count = i % 17
        copy.hidden = i % 11 == 0
        copy.public = i % 13 != 0
        copy.campaign = campaign if i % 2 else None
        copies.append(copy)
    Message.objects.bulk_create(copies)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE board_message")
    return originals


def plan_of(sql: str, params) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        try:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            (document,) = cursor.fetchone()
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")
    return (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def reads_messages(plan: dict) -> bool:
    return any(node.get("Relation Name") == "board_message" for node in nodes(plan))


def unserved(plan: dict) -> list[str]:
    """What in `plan` costs in proportion to the table: a Seq Scan on board_message, a Sort over it."""
    found = []
    for node in nodes(plan):
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "board_message":
            found.append("Seq Scan on board_message")
        if node["Node Type"] == "Sort" and reads_messages(node):
            found.append(f"Sort by {node.get('Sort Key')} over board_message")
    return found


def assert_indexed(client, url: str, params: dict | None = None) -> int:
    """Request `url`; every statement on board_message must have an ordered index path. Returns how many
    such statements there were."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, params, response.status_code)
    checked = 0
    for query in captured.captured_queries:
        sql = query["sql"]
        if "board_message" not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        plan = plan_of(sql, None)
        if not reads_messages(plan):
            continue
        checked += 1
        problems = unserved(plan)
        assert not problems, f"{url} {params}: {problems}\n{sql}"
    return checked


LIST_PARAMS = [
    {},
    {"page": "3"},
    {"state": "waiting"},
    {"state": "handling"},
    {"state": "handled"},
    {"sort": "support"},
    {"region": "530000"},
    {"region": "530900"},
    {"region": "530923"},
    {"region": "110000"},
    {"region": "110105"},
    {"type": "complaint"},
    {"region": "530900", "state": "handled"},
    {"campaign": "jianyan"},
]


@pytest.mark.parametrize("params", LIST_PARAMS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_the_public_list_reads_through_ordered_indexes(client, listed, params):
    assert assert_indexed(client, "/messages/", params) >= 2  # the capped count and the page


def test_the_list_filtered_by_leader_and_domain_reads_through_indexes(client, listed):
    leader = Leader.objects.get(code="110105-head")
    domain = Domain.objects.get(pk=listed[0].domain_id)
    for params in ({"leader": leader.id}, {"domain": domain.id}, {"domain": domain.id, "sort": "support"}):
        assert assert_indexed(client, "/messages/", params) >= 2


def test_leader_and_campaign_pages_read_through_indexes(client, listed, campaign):
    leader = Leader.objects.get(code="530900-head")
    for tab in ("", "waiting", "handled"):
        assert assert_indexed(client, f"/leaders/{leader.id}/", {"state": tab} if tab else {}) >= 2
        assert assert_indexed(client, f"/campaigns/{campaign.slug}/", {"state": tab} if tab else {}) >= 2


API_PARAMS = [
    {},
    {"page": "2"},
    {"state": "replied"},
    {"region": "530900"},
    {"sort": "support"},
    {"campaign": "jianyan"},
]


@pytest.mark.parametrize("params", API_PARAMS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_the_list_api_reads_through_ordered_indexes(client, listed, params):
    assert assert_indexed(client, "/api/v1/messages", params) >= 2


def test_a_list_without_its_index_is_caught(listed):
    """The check itself: ordering public messages by a column no index orders by shows as a Sort."""
    messages = Message.objects.filter(public=True, hidden=False).order_by("-replied_at", "title")[:20]
    sql, params = messages.query.sql_with_params()
    assert unserved(plan_of(sql, params))


def test_my_messages_read_through_the_author_index(client, listed, citizen):
    client.force_login(citizen)
    assert assert_indexed(client, "/me/messages/") >= 2
    assert assert_indexed(client, "/api/v1/messages/mine") >= 2
