"""Region resolution (intelligence/regions.py) on the seeded directory."""

import csv
from collections import Counter
from pathlib import Path

import pytest

from liuyan.directory.models import Region
from liuyan.intelligence.regions import find_mentions, resolve_region

pytestmark = pytest.mark.django_db

SENTENCES = Path(__file__).with_name("region_sentences.csv")


def code_of(text: str, hint: str | None = None) -> str | None:
    guess = resolve_region(text, hint)
    return guess.code if guess else None


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("320100", "320106"), ("350100", "350102"), ("320300", "320302"), ("410200", "410204")],
)
def test_a_repeated_name_is_resolved_by_the_hint(hint, expected):
    guess = resolve_region("鼓楼区的老小区停车难", hint)
    assert guess.code == expected
    assert guess.mentions[0].text == "鼓楼区" and len(guess.mentions[0].codes) == 4


def test_a_repeated_name_without_anything_to_decide_is_not_guessed():
    assert resolve_region("鼓楼区的老小区停车难") is None
    assert resolve_region("朝阳区的学校周边违章停车") is None


def test_a_repeated_name_is_resolved_by_another_mention_even_against_the_hint():
    assert code_of("南京市鼓楼区的学校周边交通拥堵") == "320106"
    assert code_of("北京朝阳区的群租房安全隐患") == "110105"
    guess = resolve_region("南京市鼓楼区的学校周边交通拥堵", "350100")
    assert guess.code == "320106"
    assert guess.confidence < resolve_region("南京市鼓楼区的学校周边交通拥堵", "320100").confidence


def test_a_repeated_name_stays_at_the_common_ancestor_when_it_cannot_be_told_apart():
    guess = resolve_region("江苏鼓楼区的小区物业纠纷")  # 南京 and 徐州 both have one
    assert guess.code == "320000" and guess.confidence < 0.5
    assert code_of("铁西区的供暖费太贵", "210000") == "210000"  # 沈阳 and 鞍山, not 四平 in 吉林


def test_short_forms_of_autonomous_places():
    assert code_of("耿马县孟定镇的自来水三天没来了") == "530926"
    assert code_of("耿马的甘蔗收购价太低了", "530900") == "530926"
    assert code_of("楚雄州的烤烟收购价格太低") == "532300"
    assert code_of("建议广西出台政策支持甘蔗种植户") == "450000"
    assert code_of("楚雄的烤烟") == "532300"  # the prefecture, not 楚雄市 under it


def test_renamed_places_map_to_the_code_the_table_has():
    assert code_of("襄樊市的老城区改造拆迁补偿不合理") == "420600"
    assert code_of("成都市郫都区的地铁施工扰民") == "510124"
    assert code_of("重庆市梁平区的柚子滞销") == "500228"  # 梁平县 in the table
    assert code_of("北京宣武区的老胡同拆迁") == "110102"
    # 莱芜区 moved under 济南 after the table was made: 济南 agrees with it rather than competing.
    guess = resolve_region("济南市莱芜区的钢厂搬迁")
    assert guess.code == "371202" and guess.confidence > 0.8


def test_municipality_districts_hang_under_the_municipality():
    guess = resolve_region("北京市海淀区的学区房政策调整")
    assert (guess.code, guess.level, guess.path) == ("110108", "county", "110000/110108/")
    assert guess.region == Region.objects.get(pk="110108")
    assert code_of("江北区的嘉陵江大桥堵车", "500000") == "500105"


def test_hint_alone_and_nothing_at_all():
    guess = resolve_region("小区门口的路灯坏了一个月没人修", Region.objects.get(pk="530900"))
    assert guess.code == "530900" and 0.3 < guess.confidence < 0.8 and guess.mentions == ()
    assert resolve_region("小区门口的路灯坏了一个月没人修") is None
    assert resolve_region("") is None


def test_a_clear_place_outside_the_hint_wins_but_with_less_confidence():
    guess = resolve_region("北京市朝阳区某小区物业乱收费", "530000")
    assert guess.code == "110105"
    assert guess.confidence < resolve_region("北京市朝阳区某小区物业乱收费").confidence


def test_a_province_named_for_a_city_addressee_keeps_the_city():
    assert code_of("我是云南人，在这里开了一家小饭馆", "530900") == "530900"


def test_confidence_is_high_for_a_unique_name_consistent_with_the_hint():
    assert resolve_region("永德县的中学教师工资拖欠了两个月", "530900").confidence >= 0.95
    assert resolve_region("鼓楼区的老小区停车难", "320100").confidence < 0.9


def test_common_words_and_compounds_are_not_places():
    for text in (
        "祝您身体安康，工作顺利",
        "我家附近的中山路晚上施工扰民",
        "买的哈密瓜是坏的",
        "乡镇和县城之间的班车太少",
    ):
        assert resolve_region(text) is None, text
    # A common-word stem counts once something agrees with it.
    assert code_of("陕西安康的移民搬迁安置房漏水") == "610900"


def test_mentions_are_found_in_order_with_their_readings():
    mentions = find_mentions("云南省临沧市耿马县的边境口岸")
    assert [(m.text, m.codes) for m in mentions] == [
        ("云南省", ("530000",)),
        ("临沧市", ("530900",)),
        ("耿马县", ("530926",)),
    ]


def test_an_unknown_hint_is_refused():
    with pytest.raises(ValueError):
        resolve_region("耿马县", "999999")
    assert code_of("鼓楼区的老小区停车难", "南京市") == "320106"  # a unique full name is accepted


def load_sentences() -> list[dict]:
    with SENTENCES.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_the_labelled_set_covers_what_the_issue_asks():
    rows = load_sentences()
    assert len(rows) >= 220
    levels = Counter(
        "none"
        if not r["expected"]
        else "province"
        if r["expected"].endswith("0000")
        else "prefecture"
        if r["expected"].endswith("00")
        else "county"
        for r in rows
    )
    assert min(levels.values()) >= 25, levels
    notes = " ".join(r["note"] for r in rows)
    for kind in ("repeated name", "short form", "renamed", "none", "hint only", "municipality"):
        assert notes.count(kind) >= 10, kind
    assert sum(1 for r in rows if r["hint"]) >= 50
    known = set(Region.objects.values_list("code", flat=True))
    assert all(r["expected"] in known for r in rows if r["expected"])
    assert all(r["hint"] in known for r in rows if r["hint"])


def test_the_labelled_set_reaches_ninety_percent_exact():
    rows = load_sentences()
    misses = [r for r in rows if (code_of(r["text"], r["hint"] or None) or "") != r["expected"]]
    accuracy = 1 - len(misses) / len(rows)
    assert accuracy >= 0.90, [(r["text"], r["hint"], r["expected"]) for r in misses]
