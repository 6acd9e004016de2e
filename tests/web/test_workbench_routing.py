"""A desk's auto-assignment setting and the routing suggestions on the workbench."""

import pytest

from liuyan.directory.models import AutoAssignPolicy
from tests.conftest import unit

pytestmark = pytest.mark.django_db
URL = "/workbench/auto-assign/"


def test_the_desk_sees_its_setting_and_turns_it_on(client, dispatcher):
    client.force_login(dispatcher)
    page = client.get(URL).content.decode()
    assert "临沧市" in page and "启用自动交办" in page and 'value="0.80"' in page
    desk = unit("530900-desk")
    response = client.post(URL, {"desk_id": desk.pk, "enabled": "on", "min_confidence": "0.85"}, follow=True)
    assert "自动交办已启用，置信度下限 0.85" in response.content.decode()
    policy = AutoAssignPolicy.objects.get(desk=desk)
    assert policy.enabled and str(policy.min_confidence) == "0.85" and policy.updated_by == dispatcher
    client.post(URL, {"desk_id": desk.pk, "min_confidence": "0.85"})
    policy.refresh_from_db()
    assert not policy.enabled


def test_a_bad_threshold_is_refused_in_chinese_and_kept(client, dispatcher):
    client.force_login(dispatcher)
    desk = unit("530900-desk")
    response = client.post(URL, {"desk_id": desk.pk, "enabled": "on", "min_confidence": "1.5"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "置信度下限不能高于 0.99。" in page and 'value="1.5"' in page
    assert not AutoAssignPolicy.objects.exists()


def test_another_desk_cannot_be_set(client, dispatcher):
    client.force_login(dispatcher)
    other = unit("530000-desk")
    response = client.post(URL, {"desk_id": other.pk, "enabled": "on", "min_confidence": "0.9"})
    assert response.status_code == 403 and "只有本机构的工作人员可以设置自动交办" in response.content.decode()
    assert not AutoAssignPolicy.objects.exists()


def test_staff_of_no_desk_are_refused(client, handler):
    client.force_login(handler)
    assert client.get(URL).status_code == 403


def test_anonymous_users_go_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_assign_form_offers_the_routing_suggestions(client, dispatcher, citizen, admin_user):
    from liuyan.board.choices import EventKind, MessageState
    from tests.factories import make_message

    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    client.force_login(dispatcher)
    page = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert "系统建议" in page and "永德县教育局" in page and "领域“教育”" in page
    target = unit("530923-education")
    response = client.post(
        f"/workbench/messages/{message.pk}/assign/",
        {"unit_id": target.pk, "note": "按系统建议交办"},
        follow=True,
    )
    assert "已交办给永德县教育局" in response.content.decode()
    message.refresh_from_db()
    assert message.unit == target and message.events.get(kind=EventKind.ASSIGNED).note == "按系统建议交办"
    # Once the unit holds it there is nothing left to suggest.
    handler_page = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert "交办给该单位" in handler_page  # the desk may still reassign until the unit accepts
