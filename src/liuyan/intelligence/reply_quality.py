"""Reply quality: a 0–100 score with reasons in Chinese, advice for the editor reviewing a reply.

Transparent rules over simple text measures, not a trained model, so every point can be explained:

- relevance: the message's key terms (jieba's TF-IDF keywords, the title weighted up) found in the reply;
- completeness: concrete actions (已整改, 已安排, 现场核查…), times and commitments, contact details, the
  rule or policy the answer rests on;
- perfunctory patterns: a bare "已转交有关部门", "请咨询有关部门", or nothing but 收悉/感谢 boilerplate;
- length of what remains once greetings, thanks and the signature are taken out;
- timeliness: calendar days from the message to the reply (≤ 15 fine, > 30 worse, > 90 bad).

The score starts at BASE_SCORE; each reason carries the points it adds or takes; the sum is clamped to 0–100.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

import jieba
import jieba.analyse

from liuyan.core.text import normalise_text
from liuyan.intelligence.textfeatures import COMMON_WORDS, PLACE_CODE

BASE_SCORE = 60
# Calendar days from message to reply.
TIMELY_DAYS, LATE_DAYS, VERY_LATE_DAYS = 15, 30, 90
# A "bare" transfer or redirect leaves fewer characters than this once the pattern is taken out.
BARE_REMAINDER = 40


@dataclass(frozen=True)
class Reason:
    """One explained contribution to a reply's score."""

    code: str
    text_zh: str
    delta: int

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text_zh, "delta": self.delta}


@dataclass(frozen=True)
class ReplyScore:
    """A reply's quality score (0–100) and the reasons behind it, worst first."""

    score: int
    reasons: list[Reason] = field(default_factory=list)

    @property
    def band(self) -> str:
        """good / fair / poor, for the colour of the badge."""
        return "good" if self.score >= 70 else "fair" if self.score >= 45 else "poor"

    def as_dict(self) -> dict:
        return {"score": self.score, "band": self.band, "reasons": [r.as_dict() for r in self.reasons]}


# ---- Boilerplate: what a reply says whatever the message ----------------------------------------------

_BOILERPLATE = [
    # Salutations: 网友“UU0081618”您好！ / 尊敬的网友： / “UU008929”： / 网友E12市铜鹅：
    r"(尊敬的)?(网友|市民|朋友)?\s*[“\"]?[^，。！：:“”\"\s]{0,12}?[”\"]?\s*[：:]?\s*(你|您)好[！!，,。.]?",
    r"^(尊敬的)?(网友|市民|朋友)[^，。！：:]{0,12}[：:，,]",
    r"^[“\"][^”\"]{1,20}[”\"][：:]?",
    # Receipt and lead-in
    r"(您|你)?(的|所)?(反映|咨询|提出)?的?(问题|情况|事情|事项|来信|留言|来帖|建议)?[^，。！]{0,12}?(已|均已)?(收悉|收到)[，,。！!]?",
    r"(现|特)(将|就)?[^，。！：:]{0,16}(回复|答复|报告)如下[：:，,。]?",
    r"(现)?回复如下[：:]?",
    # Thanks and good wishes
    r"(再次|非常|衷心)?(感谢|谢谢)(您|你)?[^。！!]{0,30}(关心|关注|支持|信任|理解|监督|留言|建议)[^。！!，,]{0,8}[。！!]?",
    r"(谢谢|感谢留言|感谢您的留言)[！!。]?",
    r"祝(您|你)[^。！!]{0,12}[。！!]?",
    r"欢迎(您|你)?继续[^。！!]{0,20}[。！!]?",
    # Dates and signatures at the end
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$",
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*$",
]
_BOILERPLATE_RE = [re.compile(p) for p in _BOILERPLATE]
# A signature ends the reply after a sentence: "… 感谢您的支持！ C市教育局".
_TRAILING_SIGNATURE = re.compile(
    r"(?<=[。！!\s])[\u4e00-\u9fa5A-Z0-9]{2,20}(局|办|委|政府|中心|办公室|公司|院|所|队)\s*$"
)


def substance(reply: str) -> str:
    """The reply without greetings, receipts, thanks, dates and signature: what it actually says."""
    text = normalise_text(reply)
    for _round in range(2):
        for pattern in _BOILERPLATE_RE:
            text = pattern.sub(" ", text).strip(" ，,。.！!：:;；")
    text = _TRAILING_SIGNATURE.sub("", text + " ")
    return re.sub(r"\s+", "", text).strip("，,。.！!：:;；")


# ---- Perfunctory patterns -------------------------------------------------------------------------------

_DEPARTMENT = (
    r"[^，。！；;]{0,20}?(有关|相关|职能|主管)?(部门|单位|局|委|办|政府|街道|镇|乡|县|区|市|中心|法院|公司)"
)
# "已转交有关部门(调查处理)" — the message passed on, nothing said about the matter.
_TRANSFER = re.compile(
    r"(已|我办已|我们已|我局已|现已|已经|立即)?(移交|转交|转办|转|交办|交由|转至|转给)(至|给|到)?"
    + _DEPARTMENT
    + r"[^，。！；;]{0,12}?(调查|处理|办理|核处|核实|办复|答复|反馈|回复)?[^。！]{0,16}"
)
# "请咨询市政府有关部门" / "建议你到D12市组织部咨询" — the citizen sent elsewhere.
_REDIRECT = re.compile(
    r"(请|建议|可)(您|你)?(直接)?(到|向|至|与|拨打)?"
    + _DEPARTMENT
    + r"[^。！]{0,16}?(咨询|反映|联系|投诉|了解)"
    r"|请咨询[^。！]{0,20}"
)
# "相关部门已经答复。链接：" — points to an answer given elsewhere.
_ANSWERED_ELSEWHERE = re.compile(r"(已经|已)(答复|回复)[^。！]{0,6}(链接|详见|见)")
# "请将您反映的问题再具体一点" — asks the citizen for more detail; legitimate but not an answer.
_ASK_DETAIL = re.compile(
    r"(再具体|具体一点|详细地址|提供[^。！]{0,10}(具体|详细)|无法核实|不够具体|过于笼统)"
)

# ---- Completeness --------------------------------------------------------------------------------------

_ACTION = re.compile(
    r"已[^，。！]{0,10}(整改|安排|完成|落实|维修|修复|清理|拆除|处罚|查处|纠正|督促|责令|约谈|立案|疏通|解决|恢复|下达|办理|发放|退还|退款)"
    r"|(现场|实地|上门)(核查|查看|调查|勘察|检查|走访|察看)|经(调查|核查|核实|查|了解)|责令|立即(组织|安排|派|责成)"
    r"|(组织|安排)[^，。！]{0,8}(人员|工作人员|执法|技术)|(将|会)(尽快|加快|积极|进一步|及时)"
)
_TIME = re.compile(
    r"(将于|预计|计划(于|在)?|力争|争取)[^，。！]{0,12}(\d|年|月|日|底|前|内)"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*年\s*\d{1,2}\s*月|(\d+|[一二三四五六七八九十两]+)个?(工作日|日|天|周|月)内"
    r"|(月底|年底|年内|上半年|下半年)(前|完成)?"
)
_CONTACT = re.compile(
    r"(联系)?电话[:：]?\s*[\d\-—]{5,}|联系人|热线|咨询电话|服务电话|地址[:：]|(?<!\d)12\d{3}(?!\d)|(?<!\d)0\d{2,3}-\d{7,8}"
)
_BASIS = re.compile(
    r"根据[《“]|依据[《“]|按照[《“]|《[^》]{2,40}(法|条例|规定|办法|通知|意见|细则|规划|方案)》"
)

# ---- Relevance -------------------------------------------------------------------------------------------

_NOISE_TERM = re.compile(r"^[\dA-Za-z]+$|^[A-Z]\d*[市区县]$")
# Words that say little about the subject of one message.
_GENERIC_TERMS = COMMON_WORDS | {"业主"}
KEY_TERMS = 8
# Shares of the key terms' weight the reply must cover.
RELEVANT, PARTLY_RELEVANT = 0.4, 0.2


def key_terms(title: str, body: str, k: int = KEY_TERMS) -> list[tuple[str, float]]:
    """The message's k key terms with TF-IDF weights (jieba's offline IDF table); the title counts thrice."""
    # Place codes glue onto the next word in jieba's cut (A2区景蓉华苑 → 区景蓉华苑): take them out first.
    text = PLACE_CODE.sub(" ", f"{title}。{title}。{title}。{body}")
    terms = jieba.analyse.extract_tags(text, topK=k * 3, withWeight=True)
    picked = []
    for term, weight in terms:
        if len(term) < 2 or term in _GENERIC_TERMS or _NOISE_TERM.match(term):
            continue
        if any(term in other for other, _w in picked):
            continue
        picked.append((term, weight))
        if len(picked) == k:
            break
    return picked


def _mentions(reply: str, term: str) -> float:
    """1 when the reply repeats the term; half when it shares a two-character piece of a longer term
    (jieba may cut a name differently in the two texts: 景蓉华苑 / 景蓉花苑)."""
    if term in reply:
        return 1.0
    if len(term) >= 3 and any(term[i : i + 2] in reply for i in range(len(term) - 1)):
        return 0.5
    return 0.0


def relevance(message_title: str, message_text: str, reply: str) -> tuple[float, list[str], list[str]]:
    """The weighted share of the message's key terms the reply mentions, the terms found, those missing."""
    terms = key_terms(message_title, message_text)
    if not terms:
        return 1.0, [], []
    marks = [(term, weight, _mentions(reply, term)) for term, weight in terms]
    covered = sum(weight * mark for _t, weight, mark in marks) / sum(weight for _t, weight, _m in marks)
    return covered, [t for t, _w, m in marks if m == 1.0], [t for t, _w, m in marks if m == 0.0]


def _relevance(message_text: str, message_title: str, reply: str) -> list[Reason]:
    covered, found, missing = relevance(message_title, message_text, reply)
    if not found and not missing:
        return []
    if covered >= RELEVANT:
        shown = "“" + "”“".join(found[:3]) + "”"
        return [Reason("relevant", f"回复紧扣留言内容（涉及{shown}）", 15)]
    if covered >= PARTLY_RELEVANT:
        return [Reason("partly_relevant", "回复部分涉及留言内容", 5)]
    shown = "“" + "”“".join(missing[:3]) + "”"
    return [Reason("off_topic", f"回复未涉及留言中的{shown}", -15)]


# ---- Timeliness ------------------------------------------------------------------------------------------


def _timeliness(asked_at: datetime | None, replied_at: datetime | None) -> list[Reason]:
    if asked_at is None or replied_at is None:
        return []
    if (asked_at.tzinfo is None) != (replied_at.tzinfo is None):
        asked_at, replied_at = asked_at.replace(tzinfo=None), replied_at.replace(tzinfo=None)
    days = (replied_at - asked_at).days
    if days < 0:
        return []
    if days <= TIMELY_DAYS:
        return [Reason("timely", f"答复及时（{days} 天）", 5)]
    if days <= LATE_DAYS:
        return [Reason("late", f"答复用时 {days} 天", 0)]
    if days <= VERY_LATE_DAYS:
        return [Reason("slow", f"答复较慢（{days} 天，超过 {LATE_DAYS} 天）", -10)]
    return [Reason("very_slow", f"答复严重滞后（{days} 天，超过 {VERY_LATE_DAYS} 天）", -20)]


# ---- The score -------------------------------------------------------------------------------------------


def score_reply(
    message_text: str,
    reply_text: str,
    *,
    message_title: str = "",
    asked_at: datetime | None = None,
    replied_at: datetime | None = None,
) -> ReplyScore:
    """Score a reply to a message (title optional: it weighs the message's key terms); advice only."""
    reply = normalise_text(reply_text)
    core = substance(reply)
    reasons: list[Reason] = []

    transfer = _TRANSFER.search(core)
    redirect = _REDIRECT.search(core)
    elsewhere = _ANSWERED_ELSEWHERE.search(core)
    perfunctory = False
    if len(core) < 10:
        reasons.append(Reason("boilerplate_only", "套话：只有收悉、感谢等客套话，没有实质内容", -40))
        perfunctory = True
    elif elsewhere and len(_ANSWERED_ELSEWHERE.sub("", core)) < BARE_REMAINDER:
        reasons.append(Reason("answered_elsewhere", "套话：仅称已答复或给出链接，没有答复内容", -30))
        perfunctory = True
    elif transfer and len(_TRANSFER.sub("", core)) < BARE_REMAINDER:
        reasons.append(Reason("bare_transfer", "套话：仅称已转交有关部门，没有办理结果", -30))
        perfunctory = True
    elif redirect and len(_REDIRECT.sub("", core)) < BARE_REMAINDER:
        reasons.append(Reason("redirect", "套话：仅让留言人去咨询其他部门", -25))
        perfunctory = True
    if _ASK_DETAIL.search(core) and len(core) < 120:
        reasons.append(Reason("asks_detail", "要求留言人补充信息，未作答复", -10))

    if not perfunctory:
        if len(core) < 30:
            reasons.append(Reason("too_short", f"回复过短（实质内容约 {len(core)} 字）", -20))
        elif len(core) < 80:
            reasons.append(Reason("short", f"回复较短（实质内容约 {len(core)} 字）", -8))
        elif len(core) >= 200:
            reasons.append(Reason("detailed", "回复内容详细", 5))

    reasons += _relevance(message_text, message_title, core)

    action, when, contact = _ACTION.search(core), _TIME.search(core), _CONTACT.search(core)
    if action and when:
        reasons.append(Reason("action_and_time", "含具体措施和时间", 15))
    elif action:
        reasons.append(Reason("action", "含具体措施", 10))
    elif when:
        reasons.append(Reason("time", "含时间安排", 5))
    elif not perfunctory:
        reasons.append(Reason("no_action", "未说明采取了什么措施或何时办理", -5))
    if contact:
        reasons.append(Reason("contact", "提供了联系电话或联系人", 5))
    if _BASIS.search(core):
        reasons.append(Reason("basis", "说明了政策或法规依据", 5))

    reasons += _timeliness(asked_at, replied_at)

    score = max(0, min(100, BASE_SCORE + sum(r.delta for r in reasons)))
    # Worst first, then the strongest points in the reply's favour.
    reasons.sort(key=lambda r: (r.delta >= 0, -abs(r.delta)))
    return ReplyScore(score, reasons)


# ---- Files like replied_messages.csv ---------------------------------------------------------------------


def quality_of_reply(reply) -> ReplyScore:
    """The score of a board Reply against the (first) message it answers, from already-loaded rows:
    `reply.messages.all()` is served by a prefetch when the caller made one."""
    messages = sorted(reply.messages.all(), key=lambda m: m.pk)
    if not messages:
        return score_reply("", reply.body)
    message = messages[0]
    return score_reply(
        message.body,
        reply.body,
        message_title=message.title,
        asked_at=message.created_at,
        replied_at=reply.created_at,
    )
