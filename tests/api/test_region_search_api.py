"""GET /api/v1/regions/search: places found by their name for the post form's search box, and the township
level of the directory endpoints (nine-digit codes)."""

import pytest

from tests.api.openapi import assert_matches_openapi
from tests.townships import DEDANG, SHUIBU, YONGKANG, gone_township, township

pytestmark = pytest.mark.django_db


def search(client, q: str) -> tuple[int, object]:
    response = client.get("/api/v1/regions/search", {"q": q})
    return response.status_code, assert_matches_openapi(response, "GET", "/api/v1/regions/search")


def test_a_street_office_is_found_with_the_places_above_it(client):
    township(*SHUIBU)

    status, body = search(client, "水部")

    assert status == 200
    assert body[0] == {
        "code": "350102008",
        "name": "水部街道",
        "level": "township",
        "label": "福建省 福州市 鼓楼区 水部街道",
        "path": ["350000", "350100", "350102", "350102008"],
        "former_name": "",
    }


def test_the_exact_name_and_the_higher_level_come_first(client):
    township(*DEDANG)
    township(*YONGKANG)

    status, body = search(client, "永德")

    assert status == 200
    assert body[0]["code"] == "530923" and body[0]["label"] == "云南省 临沧市 永德县"
    # 永康镇 is the name of several townships: each is offered, told apart by the places above it.
    status, body = search(client, "永康镇")
    labels = {place["code"]: place["label"] for place in body}
    assert labels["530923102"] == "云南省 临沧市 永德县 永康镇"
    assert all(place["name"] == "永康镇" for place in body)


def test_a_region_that_has_gone_is_offered_as_its_successor(client):
    dedang = township(*DEDANG)
    gone_township(dedang)

    status, body = search(client, "旧德党")

    assert status == 200
    assert body == [
        {
            "code": "530923100",
            "name": "德党镇",
            "level": "township",
            "label": "云南省 临沧市 永德县 德党镇",
            "path": ["530000", "530900", "530923", "530923100"],
            "former_name": "旧德党乡",
        }
    ]
    status, body = search(client, "德党")
    assert [place["code"] for place in body] == ["530923100"]  # once, under its current name


def test_nothing_found_is_an_empty_list_and_bad_input_a_structured_error(client):
    assert search(client, "没有这个地方") == (200, [])
    for bad in ["", "x" * 21]:
        response = client.get("/api/v1/regions/search", {"q": bad})
        assert response.status_code == 422 and "error" in response.json()
    assert client.get("/api/v1/regions/search").status_code == 422


def test_township_leaders_and_regions_are_listed_by_nine_digit_codes(client):
    dedang = township(*DEDANG)

    regions = client.get("/api/v1/regions", {"parent": "530923"}).json()
    leaders = client.get("/api/v1/leaders", {"region": "530923100"})

    assert "530923100" in [region["code"] for region in regions]
    assert leaders.status_code == 200
    assert {leader["region"] for leader in leaders.json()} == {dedang.code}
    assert all(leader["desk"]["name"] == "永德县留言办理工作机构" for leader in leaders.json())
