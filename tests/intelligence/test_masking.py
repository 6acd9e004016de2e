"""Personal data is masked before any model or keyword rule reads a text."""

import unicodedata

import pytest

from liuyan.intelligence.masking import (
    ADDRESS,
    CARD,
    EMAIL,
    ID_NUMBER,
    PHONE,
    drop_personal_data,
    mask_personal_data,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的身份证号码是43010219900101123X，请核实", f"{ID_NUMBER},请核实"),
        ("身份证：430102199001011234", ID_NUMBER),
        ("银行卡号：6222 0212 3456 7890 123", CARD),
        ("卡号6222-0212-3456-7890", CARD),
        ("开户行：中国工商银行长沙市芙蓉支行，卡号6222021234567890123", f"{CARD},{CARD}"),
        ("联系电话：0731-84567890", PHONE),
        ("手机１３８１２３４５６７８", PHONE),  # full-width digits
        ("+86 138 1234 5678 找我", f"+{PHONE} 找我"),
        ("邮箱 zhang.san@qq.com", EMAIL),
        ("我家住长沙路12号3栋2单元501室，楼下路灯坏了", f"我家住长沙路{ADDRESS},楼下路灯坏了"),
        ("家住XX小区3栋1单元", f"家住XX小区{ADDRESS}"),
        ("小区5幢302室业主", f"小区{ADDRESS}业主"),
        ("QQ：12345678", "〔社交账号〕"),
        ("微信号：wxid_abc123", "〔社交账号〕"),
    ],
)
def test_personal_data_becomes_a_placeholder(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "补办身份证要多久？",  # the word without a number is the matter itself
        "2019年3月5号下午",
        "地铁1号线延长到A3区",
        "12号楼门口堆满垃圾",  # a building a complaint is about
        "加QQ群问问",
        "银行网点排队太久",
        "关注微信公众号办理",
    ],
)
def test_text_without_personal_data_is_only_folded(text):
    assert mask_personal_data(text) == unicodedata.normalize("NFKC", text)


def test_placeholders_name_no_domain_word():
    masked = mask_personal_data("身份证号43010219900101123X 银行卡6222021234567890123 开户行建设银行")
    for word in ("身份证", "银行", "公安", "金融"):
        assert word not in masked


def test_line_breaks_stay():
    assert mask_personal_data("路灯不亮\n电话13812345678") == f"路灯不亮\n{PHONE}"


def test_empty():
    assert mask_personal_data("") == ""


def test_dropped_personal_data_leaves_no_trace_for_a_model():
    text = "路灯坏了。\n本人身份证号码：43010219800101123X，银行卡号：6222021234567890123，开户行：建设银行。"
    assert drop_personal_data(text) == "路灯坏了。"
    assert drop_personal_data("路灯坏了，电话13812345678。请修。") == "路灯坏了。请修。"
    assert drop_personal_data("本人手机13812345678。\n路灯坏了。") == "路灯坏了。"
