"""Long public lists are counted up to a cap, never over the whole table (board/paging.py): the pages say
"超过 N 条" past it and offer the pages within it; the API says so with `more`. Odd page numbers still give
a page (web) or a clear 422 (API), never a 500."""

import pytest

from liuyan.board import paging
from liuyan.board.choices import MessageState
from tests.api.openapi import assert_matches_openapi
from tests.factories import make_message

pytestmark = pytest.mark.django_db

CAP = 5


@pytest.fixture
def seven(citizen, admin_user, monkeypatch):
    """Seven public messages and one awaiting review, with the cap lowered to five."""
    monkeypatch.setattr(paging, "COUNT_CAP", CAP)
    made = [
        make_message(citizen, admin_user, MessageState.PUBLISHED, title=f"第{i}号路灯坏了") for i in range(7)
    ]
    make_message(citizen, admin_user, MessageState.PENDING_REVIEW, title="还没审核的留言")
    return made


def test_a_list_past_the_cap_says_more_than_and_stops_at_the_cap(client, seven):
    response = client.get("/messages/")
    html = response.content.decode()
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.more, paginator.num_pages) == (CAP, True, 1)
    assert f"超过 {CAP} 条留言" in html
    assert len(response.context["rows"]) == CAP
    assert [row.message.id for row in response.context["rows"]] == [m.id for m in reversed(seven)][:CAP]


def test_a_list_within_the_cap_says_its_exact_total(client, seven):
    leader = seven[0].leader_id
    response = client.get("/messages/", {"state": "handled"})
    assert "共 0 条留言" in response.content.decode()
    response = client.get(f"/leaders/{leader}/", {"state": "waiting"})
    assert response.context["page"].paginator.more  # all seven went to the same leader
    assert f"超过 {CAP} 条" in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "1e9", "２"])
def test_odd_page_numbers_give_a_page(client, seven, page):
    response = client.get("/messages/", {"page": page})
    assert response.status_code == 200
    assert len(response.context["rows"]) == CAP


def test_the_api_counts_up_to_the_cap_and_serves_no_rows_past_it(client, seven):
    newest_first = [m.id for m in reversed(seven)]
    body = assert_matches_openapi(client.get("/api/v1/messages", {"page_size": 2}), "GET", "/api/v1/messages")
    assert (body["count"], body["more"]) == (CAP, True)
    assert [m["id"] for m in body["results"]] == newest_first[:2]
    third = client.get("/api/v1/messages", {"page_size": 2, "page": 3}).json()
    assert [m["id"] for m in third["results"]] == newest_first[4:5]  # the fifth, the cap's last
    assert client.get("/api/v1/messages", {"page_size": 2, "page": 4}).json()["results"] == []
    exact = client.get("/api/v1/messages", {"state": "replied"}).json()
    assert (exact["count"], exact["more"]) == (0, False)


@pytest.mark.parametrize("page", ["0", "abc", "100001"])
def test_the_api_refuses_odd_page_numbers_clearly(client, seven, page):
    response = client.get("/api/v1/messages", {"page": page})
    assert response.status_code == 422
