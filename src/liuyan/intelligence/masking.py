"""Personal data out of the text a model or a keyword rule reads (DESIGN.md §6).

Phone numbers, ID and bank card numbers, e-mail addresses, QQ and WeChat ids and a person's door address
(…号3栋2单元501室) become placeholders that name no domain, so a citizen's bank card does not make a
streetlight complaint look like a matter for 金融, nor an ID number one for 公安. The words that introduce
the data (身份证号码：, 银行卡号, 开户行：…银行) go with it: they are about the writer, not the matter.
A word such as 身份证 without a number after it stays (补办身份证 is a matter for 公安).

The numbers are found as the public pages find them (`board.privacy`); the text is NFKC-folded first, so
full-width digits count the same.
"""

import re
import unicodedata
from functools import lru_cache

from liuyan.board.privacy import personal_data_spans

PHONE = "〔电话〕"
ID_NUMBER = "〔证件号〕"
CARD = "〔卡号〕"
EMAIL = "〔邮箱〕"
ACCOUNT = "〔社交账号〕"
ADDRESS = "〔住址〕"
PLACEHOLDERS = (PHONE, ID_NUMBER, CARD, EMAIL, ACCOUNT, ADDRESS)
# A placeholder with the separator after it: both go when personal data is dropped.
_PLACEHOLDER = re.compile("(?:" + "|".join(map(re.escape, PLACEHOLDERS)) + r")[,，、;；]?")
# Punctuation left stranded once the data before it has gone: at a line's start or after a sentence's end
# (。\n〔卡号〕。), and a comma before a sentence's end (坏了，〔电话〕。).
_STRANDED = re.compile(r"(^|[。！？!?；;])\s*[。！？!?；;,，、:：]+|[,，、:：]+\s*(?=[。！？!?；;])")

_BY_KIND = {
    "mobile": PHONE,
    "landline": PHONE,
    "id_number": ID_NUMBER,
    "bank_card": CARD,
    "email": EMAIL,
}

# QQ and WeChat ids, only where written as such (微信公众号 or 加QQ群 alone are not an id).
_ACCOUNT = re.compile(
    r"(?:QQ|扣扣)(?:号码?|群号?)?(?:是|为)?\s*[:：]?\s*[1-9][0-9]{4,11}(?![0-9])"
    r"|(?:微信|weixin|vx|v信|wx)(?:号码?|账号|id)?(?:是|为)?\s*[:：]\s*[A-Za-z][-_A-Za-z0-9]{5,19}"
    r"|(?:微信|weixin|vx|v信)(?:号码?|账号|id)(?:是|为)?\s*[:：]?\s*[A-Za-z][-_A-Za-z0-9]{5,19}",
    re.IGNORECASE,
)

# A door address: two or more of house number, building, unit and room, the last of them a unit, a room
# or a building after a house number (XX路12号3栋, 3栋2单元501室, 5幢302室). One part alone (12号楼, 3单元)
# names a building or a stairwell that a complaint is about, not where a person lives.
_NUM = r"[0-9A-Za-z一二三四五六七八九十百零〇两]{1,5}"
_HOUSE = rf"{_NUM}号(?:院)?"
_BUILDING = rf"{_NUM}(?:栋|幢|座|号楼|楼)"
_UNIT = rf"{_NUM}单元"
_ROOM = rf"(?:{_NUM}(?:楼|层))?[0-9]{{3,4}}(?:室|房|号房|户)?|{_NUM}(?:室|号房)"
_ADDRESS = re.compile(
    rf"(?<![0-9A-Za-z]){_HOUSE}-?{_BUILDING}(?:-?{_UNIT})?(?:-?(?:{_ROOM}))?"
    rf"|(?<![0-9A-Za-z])(?:{_HOUSE}-?)?{_BUILDING}-?{_UNIT}(?:-?(?:{_ROOM}))?"
    rf"|(?<![0-9A-Za-z])(?:{_HOUSE}-?)?{_BUILDING}-?(?:{_NUM}(?:室|号房)|[0-9]{{3,4}}(?:室|房|号房|户))"
)

# What each pattern cannot match without: most texts hold none of it, and are not scanned by the pattern.
_ACCOUNT_HINT = re.compile(r"qq|扣扣|微信|weixin|vx|v信|wx", re.IGNORECASE)
_BUILDING_HINT = re.compile("[栋幢座楼]")

# The words that introduce a number or an address just masked, and whose it is: 我的身份证号码是〔证件号〕 →
# 〔证件号〕.
_LEAD = re.compile(
    r"(?:本人的?|我的|我家的?)?(?:居民身份证|身份证|证件|银行卡|储蓄卡|信用卡|借记卡|银行账户|银行账号|账户|账号|卡|"
    r"联系电话|手机号|手机|电话|联系方式|电子邮箱|邮箱|e-?mail|家庭住址|家住|住址|地址)"
    r"(?:号码|号)?(?:是|为)?\s*[:：]?\s*(?=〔(?:电话|证件号|卡号|邮箱|住址)〕)",
    re.IGNORECASE,
)
# The bank an account is held at, written beside the card: part of the account, not the matter.
_BANK = re.compile(
    r"(?:开户(?:银)?行|所属银行)\s*[:：]?\s*[\u4e00-\u9fff]{0,12}?(?:银行|信用社)"
    r"(?:[\u4e00-\u9fff]{0,10}?(?:支行|分行|分理处|营业部))?"
)


@lru_cache(maxsize=512)  # one analysis masks the same text for each of its steps
def mask_personal_data(text: str) -> str:
    """`text` NFKC-folded, with personal data replaced by placeholders (PLACEHOLDERS); the rest as it was
    (its line breaks and spaces too: a caller may still tell the title from the body)."""
    text = unicodedata.normalize("NFKC", text or "")
    if not text:
        return text
    spans = personal_data_spans(text)
    if spans:
        out, at = [], 0
        for start, end, kind in spans:
            out += [text[at:start], _BY_KIND[kind]]
            at = end
        out.append(text[at:])
        text = "".join(out)
    if _ACCOUNT_HINT.search(text):
        text = _ACCOUNT.sub(ACCOUNT, text)
    if _BUILDING_HINT.search(text):
        text = _ADDRESS.sub(ADDRESS, text)
    if CARD in text:
        text = _BANK.sub(CARD, text)
    return _LEAD.sub("", text) if "〔" in text else text


def drop_personal_data(text: str) -> str:
    """`mask_personal_data` without the placeholders: what a statistical model or a comparison reads, for
    which a placeholder would still be a feature (two messages alike for both giving a phone number). The
    punctuation the data leaves stranded goes too, and a line of nothing else with its line break: a message
    reads the same to a model with or without a line of the writer's ID and bank details."""
    masked = mask_personal_data(text)
    if "〔" not in masked:
        return masked
    kept = []
    for line in masked.split("\n"):
        if _PLACEHOLDER.search(line):
            line = _STRANDED.sub(lambda found: found[1] or "", _PLACEHOLDER.sub("", line))
            if not line.strip():
                continue
        kept.append(line)
    return "\n".join(kept)
