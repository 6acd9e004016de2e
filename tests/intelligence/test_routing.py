"""The routing catalogue (派单目录): seeded lines, unit suggestions with reasons, desks' auto-assignment."""

import pytest
from django_tasks_db.models import DBTaskResult

from liuyan.board.actions import dispatch, moderation
from liuyan.board.choices import EventKind, MessageState
from liuyan.directory.models import AutoAssignPolicy, Domain, Region, RoutingRule
from liuyan.intelligence.analyze import auto_assign_message
from liuyan.intelligence.routing import suggest_units
from tests.conftest import unit
from tests.factories import make_message

pytestmark = pytest.mark.django_db


def domain(name: str) -> Domain:
    return Domain.objects.get(parent=None, name=name)


def test_seeding_derives_lines_from_the_departments_domains():
    line = RoutingRule.objects.get(region=None, domain=domain("教育"), department="education")
    assert line.weight == 100 and line.active
    # A department's second domain weighs less than its first.
    assert RoutingRule.objects.get(domain=domain("交通"), department="public-security").weight == 60
    assert RoutingRule.objects.filter(domain=None, department="government", keywords="").count() == 1
    assert RoutingRule.objects.filter(keywords__contains="医保").exists()


def test_a_domain_goes_to_the_department_of_the_messages_own_region():
    county = Region.objects.get(pk="530923")
    suggestions = suggest_units(county, [(domain("教育"), 0.9)], "孩子读书要走很远的山路")
    assert suggestions[0].unit.code == "530923-education"
    assert suggestions[0].confidence == pytest.approx(0.9)
    assert "领域「教育」" in suggestions[0].reason
    assert len(suggestions) <= 3


def test_an_unlikely_domain_is_no_reason():
    county = Region.objects.get(pk="530923")
    suggestions = suggest_units(county, [(domain("教育"), 0.95), (domain("金融"), 0.004)], "")
    assert "530900-finance" not in [s.unit.code for s in suggestions]
    assert all("金融" not in s.reason for s in suggestions)


def test_keywords_point_past_the_domain_classifier():
    city = Region.objects.get(pk="530900")
    suggestions = suggest_units(
        city,
        [
            (
                domain(
                    "医疗",
                ),
                0.6,
            )
        ],
        "异地就医报销比例太低，医保卡无法使用",
    )
    assert suggestions[0].unit.code == "530900-medical-insurance"
    assert "关键词" in suggestions[0].reason
    # Two lines agreeing on a unit reinforce each other.
    assert suggestions[0].confidence > 0.6


def test_a_department_missing_at_county_level_is_found_higher_up():
    county = Region.objects.get(pk="530923")
    suggestions = suggest_units(county, [(domain("金融"), 0.95)], "")
    assert suggestions[0].unit.code == "530900-finance"


def test_a_regional_line_wins_over_the_national_one():
    RoutingRule.objects.create(
        region=Region.objects.get(pk="530900"),
        domain=domain("城建"),
        unit=unit("530900-urban-management"),
        weight=300,
        note="临沧市城建类留言统一由市城市管理局办理",
    )
    suggestions = suggest_units(Region.objects.get(pk="530923"), [(domain("城建"), 0.8)], "")
    assert suggestions[0].unit.code == "530900-urban-management"
    assert "临沧市规则" in suggestions[0].reason


def test_nothing_certain_without_domain_or_keywords():
    suggestions = suggest_units(Region.objects.get(pk="530923"), [], "你好")
    assert [s.unit.code for s in suggestions] == ["530923-government"]
    assert suggestions[0].confidence < 0.5


def test_publishing_to_a_desk_with_auto_assignment_assigns_by_the_system(citizen, admin_user, dispatcher):
    AutoAssignPolicy.objects.create(desk=unit("530900-desk"), enabled=True, min_confidence=0.8)
    message = make_message(citizen, admin_user, MessageState.PENDING_REVIEW)
    moderation.publish_message(admin_user, message.pk)
    job = DBTaskResult.objects.get(task_path="liuyan.intelligence.tasks.auto_assign")
    assert job.args_kwargs["kwargs"] == {"message_id": message.pk}

    assert auto_assign_message(message.pk) is not None
    message.refresh_from_db()
    assert message.state == MessageState.ASSIGNED and message.unit.code == "530923-education"
    event = message.events.get(kind=EventKind.ASSIGNED)
    # The chosen domain (教育, trusted at 75% with no classifier trained) and the keyword 学校 agree.
    assert event.actor is None and event.note.startswith("自动交办（置信度 92%")
    assert "领域「教育」" in event.note and "关键词「学校」" in event.note
    assert message.reply_deadline is not None
    # The desk can still reassign until the unit accepts.
    dispatch.assign_message(dispatcher, message.pk, unit("530900-education").pk)
    message.refresh_from_db()
    assert message.unit.code == "530900-education"


def test_no_auto_assignment_below_the_desks_threshold_or_when_off(citizen, admin_user):
    body = "请领导关心一下我们这里的情况，谢谢。"
    message = make_message(citizen, admin_user, MessageState.PUBLISHED, domain="其他", body=body)
    assert auto_assign_message(message.pk) is None  # no policy
    AutoAssignPolicy.objects.create(desk=unit("530900-desk"), enabled=True, min_confidence=0.8)
    assert auto_assign_message(message.pk) is None  # the chosen domain alone is not enough
    message.refresh_from_db()
    assert message.state == MessageState.PUBLISHED and not message.events.filter(kind=EventKind.ASSIGNED)


def test_no_auto_assignment_when_the_desk_has_turned_it_off(citizen, admin_user):
    AutoAssignPolicy.objects.create(desk=unit("530900-desk"), enabled=False)
    message = make_message(citizen, admin_user, MessageState.PENDING_REVIEW)
    moderation.publish_message(admin_user, message.pk)
    assert not DBTaskResult.objects.filter(task_path="liuyan.intelligence.tasks.auto_assign").exists()
    assert auto_assign_message(message.pk) is None
