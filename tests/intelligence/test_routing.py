"""The routing catalogue (派单目录): seeded lines, unit suggestions with reasons, desks' auto-assignment."""

import pytest
from django_tasks_db.models import DBTaskResult

from liuyan.board.actions import dispatch, moderation
from liuyan.board.choices import EventKind, MessageState
from liuyan.directory.models import AutoAssignPolicy, Domain, Region, RoutingRule
from liuyan.intelligence.analyze import auto_assign_message
from liuyan.intelligence.routing import KEYWORD_FLOOR, MIN_CONFIDENCE, suggest_units
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
    assert "领域“教育”" in suggestions[0].reason
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
    # The chosen domain (教育, trusted at 75% with no classifier trained) and the keyword 学校 (in the
    # title, which counts more) agree.
    assert event.actor is None and event.note.startswith("自动交办（置信度 92%")
    assert "领域“教育”" in event.note and "关键词“学校”" in event.note
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


def test_suggestions_are_sorted_by_confidence_floored_and_at_most_three():
    county = Region.objects.get(pk="530923")
    domains = [(domain("城建"), 0.55), (domain("交通"), 0.25), (domain("环保"), 0.12), (domain("教育"), 0.08)]
    suggestions = suggest_units(county, domains, "小区道路破损，油烟扰民")
    confidences = [s.confidence for s in suggestions]
    assert 0 < len(suggestions) <= 3
    assert confidences == sorted(confidences, reverse=True)
    assert all(c >= MIN_CONFIDENCE for c in confidences)
    assert "530923-education" not in [s.unit.code for s in suggestions]


def test_an_incidental_keyword_does_not_outrank_the_domain():
    county = Region.objects.get(pk="530923")
    domains = [(domain("交通"), 0.85), (domain("城建"), 0.1), (domain("教育"), 0.03)]
    suggestions = suggest_units(county, domains, "学校对面的马路上车辆乱停乱放，堵住了公交站")
    codes = [s.unit.code for s in suggestions]
    assert codes[:2] == ["530923-transport", "530923-public-security"]
    education = [s for s in suggestions if s.unit.code == "530923-education"]
    assert not education or education[0].confidence < suggestions[1].confidence / 1.5


def test_keywords_inside_personal_data_are_no_evidence():
    county = Region.objects.get(pk="530923")
    domains = [(domain("城建"), 0.94), (domain("金融"), 0.03)]
    plain = "小区改造后排水沟堵塞，雨天积水进楼道，请尽快疏通。"
    personal = plain + "我的身份证号码是53092319800101123X，银行卡号6222 0212 3456 7890 123，开户行农业银行。"
    ranked = [(s.unit.code, round(s.confidence, 6), s.reason) for s in suggest_units(county, domains, plain)]
    assert ranked == [
        (s.unit.code, round(s.confidence, 6), s.reason) for s in suggest_units(county, domains, personal)
    ]
    assert "530923-public-security" not in [code for code, *_ in ranked]
    # The word alone, without a number, is the matter itself.
    assert suggest_units(county, [(domain("治安"), 0.5)], "补办身份证要跑几趟？")[0].unit.code == (
        "530923-public-security"
    )


def test_the_reason_names_the_evidence_in_words():
    county = Region.objects.get(pk="530923")
    [first, *_rest] = suggest_units(county, [(domain("城建"), 0.82)], "小区物业不作为")
    assert first.unit.code == "530923-housing"
    assert first.reason == "领域“城建”（82%）；关键词“物业”"


def test_the_unit_that_returned_a_message_is_not_suggested_again(citizen, admin_user, dispatcher, client):
    from liuyan.accounts.choices import Role
    from liuyan.intelligence.analyze import route_message
    from tests.conftest import make_user

    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    assert route_message(message)[0].unit.code == "530923-education"
    county_bureau = unit("530923-education")
    dispatch.assign_message(dispatcher, message.pk, county_bureau.pk)
    clerk = make_user("county-clerk", Role.HANDLER, unit=county_bureau)
    dispatch.return_message(clerk, message.pk, "本单位不负责此事")
    message.refresh_from_db()
    suggested = [s.unit.code for s in route_message(message)]
    assert suggested and "530923-education" not in suggested
    # Nor on the desk's page, whose 系统建议 are what it assigns from.
    client.force_login(dispatcher)
    page = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    offered = page.split("<h4>系统建议</h4>")[1].split("</ol>")[0]
    assert "永德县教育局" not in offered and "临沧市教育局" in offered


def test_a_keyword_counts_more_where_the_domain_model_has_no_opinion():
    county = Region.objects.get(pk="530923")
    domains = [(domain("城建"), 0.9)]
    text = "家里申请低保三年了，一直没有批下来"
    # A model that can name 其他 (the civil affairs' domain) and did not: weak evidence for 民政局.
    judging_all = {s.unit.code: s.confidence for s in suggest_units(county, domains, text)}
    # A model trained without 其他 says nothing about it: the keyword counts more.
    named = [domain(name).pk for name in ("城建", "交通", "环保", "教育", "医疗", "就业", "企业")]
    silent = {s.unit.code: s.confidence for s in suggest_units(county, domains, text, judged=named)}
    assert judging_all["530923-civil-affairs"] == pytest.approx(0.7 * KEYWORD_FLOOR)
    assert silent["530923-civil-affairs"] == pytest.approx(0.7 * (KEYWORD_FLOOR + (1 - KEYWORD_FLOOR) * 0.5))


# The domains a model trained on the Teddy Cup data can name (no 三农, 治安, 政务, 金融, 其他).
TEDDY_CUP_DOMAINS = ("城建", "交通", "环保", "教育", "医疗", "就业", "企业")


def test_a_department_serving_a_domain_the_model_cannot_name_keeps_its_keywords():
    county = Region.objects.get(pk="530923")
    domains = [(domain("城建"), 0.9), (domain("交通"), 0.05)]
    text = "小区门口的斑马线没有车礼让行人，建议装摄像头"
    named = [domain(name).pk for name in TEDDY_CUP_DOMAINS]
    judging_all = {s.unit.code: s.confidence for s in suggest_units(county, domains, text)}
    # 公安局 serves 交通, which the model can name, and 治安, which it cannot: its words count as where the
    # model has no opinion, not as if the low 交通 spoke against it (the model calls traffic 城乡建设).
    silent = suggest_units(county, domains, text, judged=named)
    assert silent[0].unit.code == "530923-public-security"
    assert silent[0].confidence > judging_all["530923-public-security"]
    assert "关键词“斑马线、摄像头”" in silent[0].reason


def test_a_keyword_in_the_title_counts_more_and_the_reason_says_so():
    county = Region.objects.get(pk="530923")
    domains = [(domain("城建"), 0.9)]
    named = [domain(name).pk for name in TEDDY_CUP_DOMAINS]

    def government(text: str):
        ranked = suggest_units(county, domains, text, judged=named)
        return next(s for s in ranked if s.unit.code == "530923-government")

    in_title = government("反映乡干部贪腐问题\n请上级调查处理")
    in_body = government("请上级调查处理\n反映乡干部贪腐问题")
    assert in_title.confidence > in_body.confidence >= MIN_CONFIDENCE
    assert in_title.reason == "关键词“贪腐”（标题有“贪腐”）"
    assert in_body.reason == "关键词“贪腐”"
