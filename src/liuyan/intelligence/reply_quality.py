"""Reply quality: a 0–100 score with reasons in Chinese, advice for the editor reviewing a reply.

The score is a small logistic regression over transparent measures of the reply, fitted to replies people
labelled by reading them (tests/intelligence/labels/reply_quality.csv, its README says how): the probability
that the reply answers every question and request of the message with some explanation, times 100. Its
weights are in `reply_quality_model.py`, written by `bench/reply_quality.py --fit`; nothing is downloaded.

The measures:

- substance: characters the reply says of its own — without greetings, receipts, thanks, signature, and
  without passages copied from the message;
- perfunctory: nothing but a transfer ("已转交有关部门"), a redirect ("请咨询有关部门"), a pointer to an
  answer given elsewhere, or 收悉/感谢 boilerplate;
- sends elsewhere: part of the reply sends the citizen to another body;
- actions done (已整改, 已责令, 下达《…》…), facts found (经调查, 现场核查…), or promises only (将…, 会…);
- relevance: the share of the message's key terms the reply takes up.

Each reason carries the points its measure moves the score, against a typical reply of the labelled set. A
reply given after more than LATE_DAYS days loses points by a fixed rule besides (the labels judge the text).
"""

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

import jieba
import jieba.analyse

from liuyan.core.text import normalise_text
from liuyan.intelligence import reply_quality_model as model
from liuyan.intelligence.textfeatures import COMMON_WORDS, PLACE_CODE

# Calendar days from message to reply.
TIMELY_DAYS, LATE_DAYS, VERY_LATE_DAYS = 15, 30, 90
LATE_POINTS, VERY_LATE_POINTS = 5, 10
# A "bare" transfer or redirect leaves fewer characters than this once the pattern is taken out.
BARE_REMAINDER = 40
# A passage of the reply this long found word for word in the message is a quotation, not an answer.
QUOTED_RUN = 10
# A message this long (characters) usually holds several requests; the reason says so.
LONG_MESSAGE = 300


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


def unquoted(core: str, message: str) -> str:
    """`core` without the passages of QUOTED_RUN or more characters it copies from the message."""
    source = re.sub(r"\s+", "", normalise_text(message))
    kept, i = [], 0
    while i < len(core):
        if len(source) >= QUOTED_RUN and core[i : i + QUOTED_RUN] in source:
            end = i + QUOTED_RUN
            while end < len(core) and core[i : end + 1] in source:
                end += 1
            i = end
        else:
            kept.append(core[i])
            i += 1
    return "".join(kept)


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


# "如有疑问，请致电…" offers a contact for more; it does not send the citizen away.
_FURTHER_QUESTIONS = re.compile(r"(如|若|如您|如果您?)(还|仍|另|再)?(有|需|对)|欢迎")


def _sends_elsewhere(core: str) -> re.Match | None:
    """The first passage sending the citizen to another body for an answer, not merely for more questions."""
    for found in _REDIRECT.finditer(core):
        if not _FURTHER_QUESTIONS.search(core[max(0, found.start() - 12) : found.start()]):
            return found
    return None


def _perfunctory(core: str) -> Reason | None:
    """The reason a reply says nothing about the matter, if it does not."""
    if len(core) < 10:
        return Reason("boilerplate_only", "套话：只有收悉、感谢等客套话，没有实质内容", 0)
    for pattern, code, text in (
        (_ANSWERED_ELSEWHERE, "answered_elsewhere", "套话：仅称已答复或给出链接，没有答复内容"),
        (_TRANSFER, "bare_transfer", "套话：仅称已转交有关部门，没有办理结果"),
        (_REDIRECT, "redirect", "套话：仅让留言人去咨询其他部门"),
    ):
        if pattern.search(core) and len(pattern.sub("", core)) < BARE_REMAINDER:
            return Reason(code, text, 0)
    return None


# ---- What the reply did, found or only promised -------------------------------------------------------

_DONE = re.compile(
    r"已(经)?[^，。！；]{0,12}(整改|安排|完成|落实|维修|修复|清理|拆除|处罚|查处|纠正|督促|责令|约谈|立案|疏通|"
    r"解决|恢复|下达|发放|退还|退款|召开|组织|要求|调整|开通|更换|停止|取缔|制定|批复|启动|纳入|报)"
    r"|责令|下达了?《"
)
_FACTS = re.compile(
    r"经(调查|核查|核实|查|了解|现场|检测|勘察|排查)|据(查|了解|核实)"
    r"|现场(核查|查看|调查|勘察|检查|走访|察看|检测)|调查(核实)?情况|检测结果"
)
_PROMISE = re.compile(r"将|会|争取|力争|积极|进一步|加大|加强")
# "下一步…将于8月底前…" / "预计明年底完工": what happens next, and when.
_NEXT_STEP = re.compile(
    r"(将|拟|计划|预计|争取|力争|定于|下一步|待)[^。！；]{0,30}?"
    r"(\d+\s*月|\d+\s*日|年底|月底|年内|近期|近日|\d+\s*个?(工作日|天|周|月)内?|前)"
)
# "您的诉求，暂未办理" / "因您未留下联系电话，无法…" / "已进行过回复": the matter left where it was.
_NO_RESULT = re.compile(
    r"暂未办理|无法(联系|了解|核实|答复|取得联系)|未留(下)?(联系|电话)|未提供|未说详细|已(经)?(进行过)?回复"
)

# ---- What the message asked ----------------------------------------------------------------------------

_SENTENCE = re.compile(r"[^。！？?!；;\n]+[。！？?!；;\n]?")
# A sentence asking something: a question mark, or the words of a question.
_QUESTION = re.compile(
    r"[？?]|吗[。，！]|请问|是否|能否|能不能|可不可以|可否|为什么|为何|什么时候|何时|怎么|如何|多少|哪些|哪里|哪个"
    r"|有没有|是不是"
)


def questions_asked(message_text: str) -> list[str]:
    """The sentences of the message that ask something."""
    sentences = (s for s in _SENTENCE.findall(normalise_text(message_text)) if s.strip())
    return [s for s in sentences if _QUESTION.search(s)]


# ---- Relevance -------------------------------------------------------------------------------------------

_NOISE_TERM = re.compile(r"^[\dA-Za-z]+$|^[A-Z]\d*[市区县]$")
# Words that say little about the subject of one message.
_GENERIC_TERMS = COMMON_WORDS | {"业主"}
KEY_TERMS = 8
# Shares of the key terms' weight the reply covers, for the words of the reason.
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


# ---- The measures and their reasons ----------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One input of the model: its value and the reason the editor reads for it."""

    value: float
    code: str
    text_zh: str


def _quote(words: list[str]) -> str:
    return "“" + "”“".join(words) + "”"


def measures(message_title: str, message_text: str, reply_text: str) -> dict[str, Measure]:
    """Every measure the model may weigh, by name (the names of reply_quality_model.WEIGHTS)."""
    core = substance(reply_text)
    own = unquoted(core, f"{message_title}{message_text}")
    found = {}
    quoted = len(core) - len(own)
    text = f"实质内容约 {len(own)} 字" + (
        f"（另有照抄留言约 {quoted} 字不计）" if quoted >= QUOTED_RUN else ""
    )
    found["substance"] = Measure(math.log1p(len(own)) / math.log(1000), "substance", text)
    bare = _perfunctory(own)
    found["perfunctory"] = (
        Measure(1.0, bare.code, bare.text_zh) if bare else Measure(0.0, "not_perfunctory", "不是套话")
    )
    elsewhere = _sends_elsewhere(core)
    found["sends_elsewhere"] = (
        Measure(1.0, "sends_elsewhere", f"让留言人另找部门（“{elsewhere.group(0)[:20]}”）")
        if elsewhere
        else Measure(0.0, "answers_itself", "没有把留言人推给其他部门")
    )
    # "已转交有关部门调查处理" passes the message on; it is no step taken about the matter.
    done, facts = _DONE.search(_TRANSFER.sub("", core)), _FACTS.search(core)
    found["actions_done"] = (
        Measure(1.0, "actions_done", f"说明了已采取的措施（“{done.group(0)[:16]}”）")
        if done
        else Measure(0.0, "no_action_done", "未说明已采取什么措施")
    )
    found["facts_found"] = (
        Measure(1.0, "facts_found", f"说明了调查核实的情况（“{facts.group(0)}”）")
        if facts
        else Measure(0.0, "no_facts_found", "未说明调查核实的情况")
    )
    promise = _PROMISE.search(core)
    found["promise_only"] = (
        Measure(1.0, "promise_only", f"只有“{promise.group(0)}…”之类的承诺，没有已办结果或核实情况")
        if promise and not done and not facts
        else Measure(0.0, "not_promise_only", "不只是承诺")
    )
    steps = list(_NEXT_STEP.finditer(own))
    found["next_step"] = (
        Measure(math.log1p(len(steps)), "next_step", f"说明了下一步安排及时间（“{steps[0].group(0)[:20]}”）")
        if steps
        else Measure(0.0, "no_next_step", "未说明下一步安排及时间")
    )
    left = _NO_RESULT.search(normalise_text(reply_text))
    found["no_result"] = (
        Measure(1.0, "no_result", f"称未办理、无法联系或已答复过（“{left.group(0)}”），没有办理结果")
        if left
        else Measure(0.0, "has_result", "没有称未办理")
    )
    # What the reply has to answer: a long message with many questions is harder to answer in full.
    asked = questions_asked(message_text)
    found["questions"] = Measure(
        math.log1p(len(asked)),
        "questions" if asked else "no_questions",
        f"留言提出了 {len(asked)} 处疑问，需逐一答复" if asked else "留言没有直接提问",
    )
    length = len(message_text.strip())
    found["message_length"] = Measure(
        math.log1p(length) / math.log(1000),
        "message_length",
        f"留言约 {length} 字" + ("，诉求较多，较难答复周全" if length >= LONG_MESSAGE else ""),
    )
    covered, terms_found, missing = relevance(message_title, message_text, core)
    if covered >= RELEVANT:
        text = f"回复紧扣留言内容（涉及{_quote(terms_found[:3])}）" if terms_found else "回复紧扣留言内容"
        found["relevance"] = Measure(covered, "relevant", text)
    elif covered >= PARTLY_RELEVANT:
        found["relevance"] = Measure(covered, "partly_relevant", "回复部分涉及留言内容")
    else:
        found["relevance"] = Measure(covered, "off_topic", f"回复未涉及留言中的{_quote(missing[:3])}")
    return found


def model_inputs(message_title: str, message_text: str, reply_text: str) -> dict[str, float]:
    """The measures' values, as the fit reads them."""
    return {name: m.value for name, m in measures(message_title, message_text, reply_text).items()}


# ---- Timeliness ------------------------------------------------------------------------------------------


def _timeliness(asked_at: datetime | None, replied_at: datetime | None) -> Reason | None:
    if asked_at is None or replied_at is None:
        return None
    if (asked_at.tzinfo is None) != (replied_at.tzinfo is None):
        asked_at, replied_at = asked_at.replace(tzinfo=None), replied_at.replace(tzinfo=None)
    days = (replied_at - asked_at).days
    if days < 0:
        return None
    if days <= TIMELY_DAYS:
        return Reason("timely", f"答复及时（{days} 天）", 0)
    if days <= LATE_DAYS:
        return Reason("late", f"答复用时 {days} 天", 0)
    if days <= VERY_LATE_DAYS:
        return Reason("slow", f"答复较慢（{days} 天，超过 {LATE_DAYS} 天）", -LATE_POINTS)
    return Reason("very_slow", f"答复严重滞后（{days} 天，超过 {VERY_LATE_DAYS} 天）", -VERY_LATE_POINTS)


# ---- The score -------------------------------------------------------------------------------------------


_PERFUNCTORY_CODES = {"boilerplate_only", "answered_elsewhere", "bare_transfer", "redirect"}
# The ordinary side of a measure whose other side is the point: not said to the editor.
_UNREMARKABLE = {"not_perfunctory", "answers_itself", "not_promise_only", "has_result"}


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _worded(measure: Measure, points: int) -> str:
    """The measure's words, as its points read: the points compare the reply with a typical one of the
    labelled set, so a reply on topic but less so than most is not praised for it, and the message's own
    length says which way it weighs."""
    if measure.code == "relevant" and points < 0:
        return measure.text_zh.replace("回复紧扣留言内容", "回复涉及留言内容，但不如多数回复紧扣", 1)
    if measure.code == "message_length" and "，" not in measure.text_zh:
        return measure.text_zh + ("，短于多数留言，较易答复周全" if points >= 0 else "，长于多数留言")
    return measure.text_zh


def score_reply(
    message_text: str,
    reply_text: str,
    *,
    message_title: str = "",
    asked_at: datetime | None = None,
    replied_at: datetime | None = None,
) -> ReplyScore:
    """Score a reply to a message (title optional: it weighs the message's key terms); advice only."""
    found = measures(message_title, message_text, reply_text)
    terms = {name: weight * (found[name].value - model.MEANS[name]) for name, weight in model.WEIGHTS.items()}
    z = (
        model.INTERCEPT
        + sum(weight * model.MEANS[name] for name, weight in model.WEIGHTS.items())
        + sum(terms.values())
    )
    probability = _sigmoid(z)
    reasons = []
    for name, term in terms.items():
        # The points this measure moves the score, against a reply typical of the labelled set.
        points = round(100 * (probability - _sigmoid(z - term)))
        measure = found[name]
        if measure.code in _UNREMARKABLE:
            continue
        if points or measure.code in ("substance", "relevant", "off_topic") or name == "perfunctory":
            reasons.append(Reason(measure.code, _worded(measure, points), points))
    late = _timeliness(asked_at, replied_at)
    if late is not None:
        reasons.append(late)
    score = max(0, min(100, round(100 * probability) + (late.delta if late else 0)))
    # Why a reply says nothing first, then the worst, then the strongest points in the reply's favour.
    reasons.sort(key=lambda r: (r.code not in _PERFUNCTORY_CODES, r.delta >= 0, -abs(r.delta)))
    return ReplyScore(score, reasons)


# ---- Replies on the board ------------------------------------------------------------------------------


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
