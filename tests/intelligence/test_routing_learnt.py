"""The unit-kind model in the routing: trained on messages labelled with the kind of unit that should handle
them, it moves the suggestions it should and names its words in the reason; personal data, the floor, the
limit and the unit that returned a message hold as they do without it; `train_classifier --kind unit`."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from liuyan.accounts.choices import Role
from liuyan.board.actions import dispatch
from liuyan.board.choices import MessageState
from liuyan.directory.models import Domain, Region
from liuyan.intelligence.analyze import learnt_unit_kinds, route_message
from liuyan.intelligence.classifier import classifier_for, load_classifier
from liuyan.intelligence.masking import drop_personal_data
from liuyan.intelligence.routing import MIN_CONFIDENCE, suggest_units
from tests.conftest import make_user, unit
from tests.factories import make_message

pytestmark = pytest.mark.django_db

# Three kinds of department the catalogue cannot tell apart by the domain 城建 alone (a third each).
PLANNING = [
    "对面那块地的容积率被调高了，请公开规划",
    "小区旁地块规划由绿地改成商业用地",
    "规划公示的地块用途和原来不一样",
    "这块地的控制性详细规划什么时候调整",
    "地块出让前的规划条件为何改了容积率",
    "请公开片区规划，地块被改为高层住宅",
    "规划许可证上的建筑高度与公示不符",
    "绿地规划被改成停车场，地块用途变了",
]
ESTATE = [
    "小区电梯维修拖了半年，业主出行困难",
    "开发商交房时面积缩水，请核查",
    "小区车库漏水，开发商拒不维修",
    "小区外墙脱落，维修资金迟迟不批",
    "商品房延期交房一年，开发商不给说法",
    "小区楼道消防栓没水，开发商不整改",
    "业主委员会选举被开发商操纵",
    "安置小区房屋开裂，开发商推诿",
]
STALLS = [
    "夜市摊贩占用人行道，晚上吵闹",
    "路边烧烤摊天天占道，油烟熏人",
    "商铺把货物摆到人行道上",
    "流动摊贩堵住小区门口",
    "街边水果摊占道经营，行人只能走马路",
    "广场上摊点太多，垃圾满地",
    "早餐摊占用盲道，清扫不及时",
    "门店在人行道上洗车，污水横流",
]
TEXTS = PLANNING + ESTATE + STALLS
KINDS = ["natural-resources"] * 8 + ["housing"] * 8 + ["urban-management"] * 8
# A message none of the catalogue's keywords points anywhere: only the domain and the model speak.
MESSAGE = "家门口那块地的容积率被调高，\n原来说好的绿地也没了，地块的规划为什么可以随便改？"


def domain(name: str) -> Domain:
    return Domain.objects.get(parent=None, name=name)


@pytest.fixture
def unit_model():
    classifier_for("unit").fit(TEXTS, KINDS).save("unit")
    return load_classifier("unit")


def test_the_learnt_model_moves_the_unit_its_words_point_to_first(unit_model):
    county = Region.objects.get(pk="530923")
    domains = [(domain("城建"), 0.9)]
    alone = suggest_units(county, domains, MESSAGE)
    assert all("关键词" not in s.reason for s in alone)
    assert alone[0].unit.code != "530923-natural-resources"
    (learnt,) = learnt_unit_kinds([MESSAGE])
    assert max(learnt.probabilities, key=learnt.probabilities.get) == "natural-resources"
    [first, *rest] = suggest_units(county, domains, MESSAGE, learnt=learnt)
    assert first.unit.code == "530923-natural-resources"
    assert all(first.confidence > other.confidence for other in rest)
    # The reason names the domain and the words that weighed most for the kind, in the message's own words.
    assert first.reason.startswith("领域“城建”（90%")
    words = first.reason.split("主要依据“")[1].split("”")[0].split("、")
    assert words and all(word in MESSAGE for word in words)
    assert any(word in "容积率地块规划" for word in words)


def test_a_message_on_the_board_is_routed_with_the_model(citizen, admin_user, dispatcher, unit_model, client):
    message = make_message(
        citizen, admin_user, MessageState.PUBLISHED, domain="城建", title="地块规划被改", body=MESSAGE
    )
    assert route_message(message)[0].unit.code == "530923-natural-resources"
    # The desk's page offers it first, with the words in its reason.
    client.force_login(dispatcher)
    page = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    offered = page.split("<h4>系统建议</h4>")[1].split("</ol>")[0]
    shown = [
        name for name in ("永德县自然资源局", "永德县住房和城乡建设局", "永德县城市管理局") if name in offered
    ]
    assert shown and min(shown, key=offered.index) == "永德县自然资源局"
    assert "按用词判断" in offered and "主要依据" in offered
    # The unit that returned it is not offered again, however much the model favours it.
    returned = unit("530923-natural-resources")
    dispatch.assign_message(dispatcher, message.pk, returned.pk)
    clerk = make_user("county-clerk", Role.HANDLER, unit=returned)
    dispatch.return_message(clerk, message.pk, "本单位不负责此事")
    message.refresh_from_db()
    assert returned.pk not in [s.unit.pk for s in route_message(message)]


def test_with_the_model_suggestions_stay_sorted_floored_and_at_most_three(unit_model):
    county = Region.objects.get(pk="530923")
    domains = [(domain("城建"), 0.5), (domain("教育"), 0.3), (domain("交通"), 0.2)]
    text = "学校旁边的路边摊占道经营，\n放学时孩子只能走到马路上，请规划好摊点"
    (learnt,) = learnt_unit_kinds([text])
    suggestions = suggest_units(county, domains, text, learnt=learnt)
    shown = [round(s.confidence, 2) for s in suggestions]
    assert 1 <= len(suggestions) <= 3 and shown == sorted(shown, reverse=True)
    assert all(s.confidence >= MIN_CONFIDENCE for s in suggestions)


def test_personal_data_does_not_steer_the_model(unit_model):
    county = Region.objects.get(pk="530923")
    domains = [(domain("城建"), 0.9)]
    personal = (
        MESSAGE + "\n我的身份证号码是53092319800101123X，银行卡号6222 0212 3456 7890 123，开户行农业银行。"
    )
    ranked = []
    for text in (MESSAGE, personal):
        (learnt,) = learnt_unit_kinds([drop_personal_data(text)])
        ranked.append(
            [
                (s.unit.code, round(s.confidence, 6), s.reason)
                for s in suggest_units(county, domains, text, learnt=learnt)
            ]
        )
    assert ranked[0] == ranked[1]


def test_no_model_no_change():
    assert learnt_unit_kinds([MESSAGE]) == [None]


def write_references(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "id", "title", "unit", "aside"])
        writer.writerows(rows)


def test_train_classifier_learns_the_unit_kinds_from_references(tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    with open(texts / "messages.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言编号", "留言主题", "留言详情"])
        for i, text in enumerate([*TEXTS, "退伍老兵的优抚金没有发"]):
            writer.writerow([i, text[:8], text])
    references = tmp_path / "routing.csv"
    rows = [
        ["messages.csv", i, text[:8], kind, int(i % 8 == 0)]
        for i, (text, kind) in enumerate(zip(TEXTS, KINDS, strict=True))
    ]
    write_references(references, [*rows, ["messages.csv", len(TEXTS), "退伍老兵", "veterans", 0]])
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "train_classifier",
        "--kind",
        "unit",
        "--references",
        str(references),
        "--texts",
        str(texts),
        "--folds",
        "0",
        "--json",
        stdout=out,
        stderr=err,
    )
    meta = json.loads(out.getvalue())
    # A kind with a single row cannot be learnt: it is left out, and said so.
    assert meta["labels"] == ["housing", "natural-resources", "urban-management"]
    assert "veterans" in err.getvalue()
    assert meta["metrics"]["held_out"]["labels"]["natural-resources"]["support"] == 1
    assert load_classifier("unit").predict_labels(["小区地块的规划被改了"]) == ["natural-resources"]


@pytest.mark.slow
def test_train_classifier_learns_the_unit_kinds_from_the_desks_assignments(citizen, admin_user):
    for text, kind in zip(TEXTS, KINDS, strict=True):
        message = make_message(citizen, admin_user, MessageState.PUBLISHED, domain="城建", body=text)
        dispatch.assign_message(admin_user, message.pk, unit(f"530923-{kind}").pk)
    out = io.StringIO()
    call_command("train_classifier", "--kind", "unit", "--from-db", "--folds", "0", "--json", stdout=out)
    meta = json.loads(out.getvalue())
    assert meta["labels"] == ["housing", "natural-resources", "urban-management"] and meta["n_samples"] == 24
