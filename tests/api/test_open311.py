"""The Open311 GeoReport v2 endpoint: services, service definitions, posting and reading requests, in JSON
and XML, with the standard's error list."""

from xml.etree import ElementTree

import pytest

from liuyan.accounts.actions import issue_api_token
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Domain, Leader
from tests.factories import make_message

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
DESCRIPTION = "永德县城关镇滨河路的垃圾堆积如山，夏天臭气熏天，请环保部门尽快清理。联系电话13800138000。"


def environment() -> Domain:
    return Domain.objects.get(parent=None, name="环保")


def xml(response) -> ElementTree.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.content)


def post(client, citizen, **fields):
    data = {
        "api_key": issue_api_token(citizen, "open311"),
        "service_code": str(environment().pk),
        "jurisdiction_id": "530923",
        "attribute[type]": "complaint",
        "description": DESCRIPTION,
        **fields,
    }
    return client.post(f"{BASE}/requests.json", {k: v for k, v in data.items() if v is not None})


def test_services_are_the_level_one_domains_in_both_formats(client):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = response.json()
    names = [service["service_name"] for service in services]
    assert names == list(Domain.objects.filter(parent=None, active=True).values_list("name", flat=True))
    assert services[0]["metadata"] is True and services[0]["type"] == "realtime"
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == [
        s["service_code"] for s in services
    ]


def test_a_service_definition_lists_the_message_types(client):
    code = environment().pk
    definition = client.get(f"{BASE}/services/{code}.json").json()
    by_code = {attribute["code"]: attribute for attribute in definition["attributes"]}
    assert by_code["type"]["required"] and by_code["type"]["datatype"] == "singlevaluelist"
    assert {"key": "complaint", "name": "投诉"} in by_code["type"]["values"]
    assert not by_code["leader_id"]["required"] and not by_code["title"]["required"]
    root = xml(client.get(f"{BASE}/services/{code}.xml"))
    assert root.tag == "service_definition"
    keys = root.findall("attributes/attribute/values/value/key")
    assert "complaint" in [key.text for key in keys]


def test_an_unknown_service_is_a_404_in_the_standards_error_list(client):
    response = client.get(f"{BASE}/services/9999.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "没有代码为 9999 的服务（领域）。"}]
    root = xml(client.get(f"{BASE}/services/9999.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_posting_a_request_submits_a_message_for_review(client, citizen):
    response = post(client, citizen, address_string="永德县德党镇滨河路", phone="13800138000")
    assert response.status_code == 201
    (created,) = response.json()
    message = Message.objects.get(serial=created["service_request_id"])
    assert message.author == citizen and message.state == MessageState.PENDING_REVIEW
    assert message.domain == environment() and message.message_type.code == "complaint"
    assert message.region_id == "530923"
    # No leader chosen: the jurisdiction's first leader.
    assert message.leader == Leader.objects.filter(region_id="530923", active=True).order_by("order", "id")[0]
    assert message.title == "永德县城关镇滨河路的垃圾堆积如山，夏天臭气熏天，请环保部门尽快清理"
    assert message.body == f"{DESCRIPTION}\n地点：永德县德党镇滨河路"
    assert message.contact_phone == "13800138000"
    # Not public until an editor publishes it.
    assert client.get(f"{BASE}/requests/{message.serial}.json").status_code == 404


def test_a_chosen_leader_and_title_are_used(client, citizen):
    leader = Leader.objects.get(code="530900-head")
    response = post(
        client, citizen, **{"attribute[leader_id]": str(leader.pk), "attribute[title]": "滨河路垃圾"}
    )
    message = Message.objects.get(serial=response.json()[0]["service_request_id"])
    assert message.leader == leader and message.title == "滨河路垃圾" and message.region_id == "530923"


def test_bad_posts_are_refused_with_reasons_and_create_nothing(client, citizen):
    before = Message.objects.count()
    response = post(client, citizen, api_key="ly_not-a-token")
    assert response.status_code == 403
    response = post(client, citizen, jurisdiction_id=None)
    assert response.status_code == 400 and "jurisdiction_id" in response.json()[0]["description"]
    response = post(client, citizen, jurisdiction_id="999999")
    assert response.status_code == 400
    response = post(client, citizen, description="短", **{"attribute[type]": None})
    assert response.status_code == 400
    descriptions = [error["description"] for error in response.json()]
    assert "attribute[type]：请选择留言类型。" in descriptions
    assert any(d.startswith("description：内容应为") for d in descriptions)
    # A leader whose region does not contain the jurisdiction.
    beijing = Leader.objects.get(code="110105-head")
    response = post(client, citizen, **{"attribute[leader_id]": str(beijing.pk)})
    assert response.status_code == 400 and response.json()[0]["description"].startswith("jurisdiction_id：")
    response = post(client, citizen, service_code="9999")
    assert response.status_code == 400
    response = post(client, citizen, **{"attribute[leader_id]": "0"})
    assert response.status_code == 400 and "attribute[leader_id]" in response.json()[0]["description"]
    response = post(client, citizen, media_url="http://example.com/a.jpg")
    assert response.status_code == 400
    assert Message.objects.count() == before


def test_posting_is_rate_limited(client, citizen, settings):
    settings.LIUYAN_SUBMIT_RATE = "1/m"
    assert post(client, citizen).status_code == 201
    response = post(client, citizen)
    assert response.status_code == 429 and response.json()[0]["code"] == 429


def test_requests_are_the_public_messages_with_their_status_and_reply(client, citizen, admin_user):
    replied = make_message(citizen, admin_user, MessageState.REPLIED, title="学校门口拥堵严重")
    waiting = make_message(citizen, admin_user, MessageState.PUBLISHED)
    pending = make_message(citizen, admin_user, MessageState.PENDING_REVIEW)
    rows = {row["service_request_id"]: row for row in client.get(f"{BASE}/requests.json").json()}
    assert set(rows) == {replied.serial, waiting.serial}
    assert pending.serial not in rows
    done = rows[replied.serial]
    assert done["status"] == "closed" and done["status_notes"] == "已安排交警在上下学时段疏导交通。"
    assert done["agency_responsible"] == "临沧市教育局" and done["expected_datetime"] is None
    assert done["address"] == "云南省临沧市永德县" and done["address_id"] == "530923"
    assert done["description"].startswith("学校门口拥堵严重\n\n")
    assert done["requested_datetime"].endswith("+08:00")
    assert rows[waiting.serial]["status"] == "open" and rows[waiting.serial]["expected_datetime"] is None

    closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert [row["service_request_id"] for row in closed] == [replied.serial]
    chosen = client.get(f"{BASE}/requests.json", {"service_request_id": f"{waiting.serial},{pending.serial}"})
    assert [row["service_request_id"] for row in chosen.json()] == [waiting.serial]
    elsewhere = client.get(f"{BASE}/requests.json", {"jurisdiction_id": "110000"}).json()
    assert elsewhere == []
    root = xml(client.get(f"{BASE}/requests/{replied.serial}.xml"))
    assert root.tag == "service_requests" and root.findtext("request/status") == "closed"


def test_request_filters_are_checked(client):
    response = client.get(f"{BASE}/requests.json", {"start_date": "2026-01-01", "end_date": "2026-12-01"})
    assert response.status_code == 400 and "90" in response.json()[0]["description"]
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": "999999"}).status_code == 400


def test_discovery_names_the_endpoint_and_its_formats(client):
    discovery = client.get("/open311/discovery.json").json()
    (endpoint,) = discovery["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    root = xml(client.get("/open311/discovery.xml"))
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == endpoint["formats"]


def test_a_message_filed_under_a_sub_domain_belongs_to_its_level_one_service(client, citizen, admin_user):
    sorting = Domain.objects.create(name="垃圾分类", parent=environment())
    message = make_message(citizen, admin_user, MessageState.PUBLISHED, domain=sorting.pk)
    rows = client.get(f"{BASE}/requests.json", {"service_code": str(environment().pk)}).json()
    assert [row["service_request_id"] for row in rows] == [message.serial]
    assert (rows[0]["service_code"], rows[0]["service_name"]) == (str(environment().pk), "环保")


def test_posting_shares_the_users_submission_limit_with_the_api(client, citizen, settings):
    """The limit counts the citizen, not the address: a citizen the API has refused is refused here too."""
    settings.LIUYAN_SUBMIT_RATE = "1/m"
    token = issue_api_token(citizen, "api")
    leader = Leader.objects.filter(region_id="530923", active=True).first()
    submitted = client.post(
        "/api/v1/messages",
        {
            "leader_id": leader.pk,
            "type": "complaint",
            "domain": "环保",
            "title": "滨河路垃圾堆积请清理",
            "body": DESCRIPTION,
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert submitted.status_code == 201, submitted.content

    response = post(client, citizen)

    assert response.status_code == 429 and response.json()[0]["code"] == 429
    assert Message.objects.filter(author=citizen).count() == 1
