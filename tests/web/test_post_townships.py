"""The post form down to townships: the fourth level of the cascade, a place found by its name without
JavaScript (the 查找 button, then a place picked from those found), township leaders offered nearest first,
and a message posted to a township leader going to the county's desk."""

import pytest

from liuyan.board.models import Message
from liuyan.directory.models import Domain, Leader
from tests.townships import DEDANG, SHUIBU, township

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


@pytest.fixture
def dedang():
    return township(*DEDANG)


def form_data(**fields) -> dict:
    data = {
        "region_1": "530000",
        "region_2": "530900",
        "region_3": "530923",
        "region_4": "",
        "leader_id": "",
        "type": "complaint",
        "domain": str(Domain.objects.get(name="城建", parent=None).id),
        "title": "德党镇集市路段路灯长期不亮",
        "body": "德党镇集市旁的路段路灯已经坏了两个多月，晚上出行很不安全，希望尽快维修路灯。",
        "contact_phone": "",
        "public": "on",
        "campaign": "",
    }
    data.update(fields)
    return data


def test_a_county_offers_its_townships_and_a_township_its_leaders_first(signed_in, dedang):
    step = signed_in.post("/post/", form_data(step="place"))

    form = step.context["form"]
    assert form.fields["region_4"].offered and form.fields["region_4"].label == "乡（镇、街道）"
    assert ("530923100", "德党镇") in form.fields["region_4"].choices

    step = signed_in.post("/post/", form_data(region_4="530923100", step="place"))

    form = step.context["form"]
    groups = [group for group, _options in form.fields["leader_id"].choices[1:]]
    assert groups == ["德党镇", "永德县", "临沧市", "云南省"]
    township_leaders = dict(form.fields["leader_id"].choices[1][1])
    assert set(township_leaders) == set(Leader.objects.filter(region=dedang).values_list("id", flat=True))


def test_without_javascript_a_place_is_found_by_name_and_picked(signed_in):
    township(*SHUIBU)
    found = signed_in.post(
        "/post/", form_data(region_1="", region_2="", region_3="", place_q="水部", step="find")
    )

    html = found.content.decode()
    assert found.status_code == 200 and not found.context["form"].errors
    assert found.context["form"].found_places[0].region.code == "350102008"
    assert "福建省 福州市 鼓楼区 水部街道" in html
    assert 'name="pick_place" value="350102008"' in html
    assert "德党镇集市旁的路段" in html  # what was typed is kept

    picked = signed_in.post("/post/", form_data(place_q="水部", pick_place="350102008"))

    form = picked.context["form"]
    assert [region.code for region in form.place] == ["350000", "350100", "350102", "350102008"]
    assert form.fields["leader_id"].choices[1][0] == "水部街道"
    assert form.found_places is None
    assert not Message.objects.exists()


def test_a_name_found_nowhere_says_so_and_a_bad_pick_changes_nothing(signed_in):
    found = signed_in.post("/post/", form_data(place_q="没有这个地方", step="find"))
    assert "没有找到名称含“没有这个地方”的地区。" in found.content.decode()

    picked = signed_in.post("/post/", form_data(pick_place="99999\x00"))
    assert picked.status_code == 200
    assert [region.code for region in picked.context["form"].place] == ["530000", "530900", "530923"]


def test_the_form_starts_at_a_township_from_the_address(signed_in, dedang):
    response = signed_in.get("/post/?region=530923100")

    assert [region.code for region in response.context["form"].place] == [
        "530000",
        "530900",
        "530923",
        "530923100",
    ]


def test_a_message_to_a_township_leader_goes_to_the_county_desk(signed_in, dedang):
    head = Leader.objects.filter(region=dedang).order_by("order").last()

    response = signed_in.post("/post/", form_data(region_4="530923100", leader_id=str(head.id)))

    assert response.status_code == 302
    message = Message.objects.get()
    assert message.leader == head and message.region_id == "530923100"
    assert message.leader.desk.region_id == "530923"
