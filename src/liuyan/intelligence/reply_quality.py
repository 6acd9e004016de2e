"""Reply quality: a 0–100 score with reasons in Chinese, advice for the editor reviewing a reply.

The score is a small logistic regression over transparent measures, fitted to replies people labelled by
reading them (tests/intelligence/labels/reply_quality.csv, its README says how): the probability that the
reply answers every question and request of the message with some explanation, times 100. Its weights are in
`reply_quality_model.py`, written by `bench/reply_quality.py --fit`; nothing is downloaded.

The reply's own measures, each shown to the editor with the points it moves the score:

- new content: the words of substance the reply says that the message did not (facts found, places, units,
  rules, measures, dates), counted on a log scale so that length alone cannot carry the score;
- unanswered: the questions and requests of the message whose words the reply does not take up;
- perfunctory: nothing but a transfer ("已转交有关部门"), a redirect ("请咨询有关部门"), a pointer to an
  answer given elsewhere, or 收悉/感谢 boilerplate;
- sends elsewhere: part of the reply sends the citizen to another body, or to a telephone, for the answer;
- promise only: 将…/会… without anything done or found;
- no result: the reply says it did nothing or cannot (暂未办理, 无法联系).

The message's own measures (how many questions and requests it makes, its length) set the expectation inside
the model — a long message with many requests is seldom answered in full — and are never shown as a reason:
they are no merit or fault of the reply. Each reason's points compare the reply with a typical reply of the
labelled set.

Timeliness is shown beside the score, never inside it: a reply given after more than LATE_DAYS days is flagged
to the editor (答复较慢 / 答复严重滞后) with no points. The people's grades judge the content, and on the
graded replies a fixed lateness penalty lowered the score's agreement with them, and a fitted one did not
raise it clearly (5-fold CV ×10 on the 792 training rows; bench/RESULTS.md, "Reply quality with 990 graded
replies"); the board's own deadlines (working days, board/deadlines.py) mark an overdue message besides.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

import jieba

from liuyan.core.text import normalise_text
from liuyan.intelligence import reply_quality_model as model
from liuyan.intelligence.textfeatures import COMMON_WORDS, PLACE_CODE

# Calendar days from message to reply: the editor is told of a reply later than LATE_DAYS (no points).
TIMELY_DAYS, LATE_DAYS, VERY_LATE_DAYS = 15, 30, 90
# A "bare" transfer or redirect leaves fewer characters than this once the pattern is taken out.
BARE_REMAINDER = 40
# A passage of the reply this long found word for word in the message is a quotation, not an answer.
QUOTED_RUN = 10
# Fewer new words than this is next to nothing said beyond the message (the typical reply has about 30).
FEW_NEW_WORDS = 10


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


# "请拨打…电话咨询" / "可致电0731-…" — the citizen told to telephone for the answer.
_PHONE_REDIRECT = re.compile(
    r"(请|可|建议|您可|可以)(您|你)?(直接)?(拨打|致电|电话咨询|来电咨询|电话联系|联系|咨询)[^。！]{0,30}?"
    r"(\d{3,4}-?\d{7,8}|电话|热线|12345|12348)"
)
# "如有疑问，请致电…" offers a contact for more; it does not send the citizen away.
_FURTHER_QUESTIONS = re.compile(r"(如|若|如您|如果您?)(还|仍|另|再)?(有|需|对)|欢迎")


def _sends_elsewhere(core: str) -> re.Match | None:
    """The first passage sending the citizen to another body or to a telephone for an answer, not merely
    offering a contact for more questions."""
    found = [
        match
        for pattern in (_REDIRECT, _PHONE_REDIRECT)
        for match in pattern.finditer(core)
        if not _FURTHER_QUESTIONS.search(core[max(0, match.start() - 12) : match.start()])
    ]
    return min(found, key=lambda match: match.start()) if found else None


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
# A sentence requesting something.
_REQUEST = re.compile(r"希望|请求|恳请|建议|要求|请(?!问)|望|呼吁|盼")
# A question or request is taken up when the reply repeats at least this share of its words.
TAKEN_UP = 0.2


def asks(message_text: str) -> list[str]:
    """The sentences of the message that ask or request something, in order."""
    sentences = (s for s in _SENTENCE.findall(normalise_text(message_text)) if s.strip())
    return [s for s in sentences if _QUESTION.search(s) or _REQUEST.search(s)]


# ---- Words of substance ----------------------------------------------------------------------------------

_NOISE_WORD = re.compile(r"^[\dA-Za-z]+$")


# Words replies use whatever the matter: counted as said, never quoted to the editor as an example.
_STOCK_WORDS = frozenset(
    ["高度重视", "调查核实", "工作人员", "有限公司", "实际情况", "有关规定", "相关规定", "进一步"]
)


def content_words(text: str) -> list[str]:
    """The words of substance of a text, in order, once each: two characters or more, not a common word
    of messages (问题, 反映, 领导 …), not a number or a code; the data set's place codes (A3区) taken out
    first."""
    seen: dict[str, None] = {}
    for word in jieba.lcut(PLACE_CODE.sub(" ", text)):
        if len(word) >= 2 and word not in COMMON_WORDS and not _NOISE_WORD.match(word):
            seen.setdefault(word, None)
    return list(seen)


def unanswered(message_text: str, core: str) -> list[str]:
    """The questions and requests of the message whose words the reply's substance barely repeats."""
    left = []
    for sentence in asks(message_text):
        words = content_words(sentence)
        if words and sum(word in core for word in words) / len(words) < TAKEN_UP:
            left.append(sentence)
    return left


# ---- The measures and their reasons ----------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One input of the model: its value and the reason the editor reads for it — `text_zh` when its points
    are for the reply, `weaker_zh` (when given) when they are against it. A measure of the message, not of
    the reply, has no reason (`code` in EXPECTATION)."""

    value: float
    code: str
    text_zh: str
    weaker_zh: str = ""


# Measures of the message: they shape what the reply is expected to do and are never shown as a reason.
EXPECTATION = {"asks", "message_length"}


def _quote(words: list[str]) -> str:
    return "“" + "”“".join(words) + "”"


def _clip(sentence: str, size: int = 24) -> str:
    sentence = sentence.strip(" ，,。！!？?；;")
    return sentence if len(sentence) <= size else sentence[:size] + "…"


def measures(message_title: str, message_text: str, reply_text: str) -> dict[str, Measure]:
    """Every measure the model may weigh, by name (the names of reply_quality_model.WEIGHTS)."""
    core = substance(reply_text)
    own = unquoted(core, f"{message_title}{message_text}")
    found = {}
    said_before = set(content_words(normalise_text(f"{message_title}{message_text}")))
    new = [word for word in content_words(core) if word not in said_before]
    quoted = len(core) - len(own)
    aside = f"；另有照抄留言约 {quoted} 字不计" if quoted >= QUOTED_RUN else ""
    examples = [word for word in new if len(word) >= 3 and word not in _STOCK_WORDS][:3] or new[:3]
    count = f"约 {len(new)} 个新的词语"
    if not new:
        said = fewer = "回复没有说明留言以外的任何情况" + (f"（{aside[1:]}）" if aside else "")
    else:
        said = f"回复说明了留言以外的具体情况（{count}，如{_quote(examples)}{aside}）"
        fewer = (
            f"回复几乎没有说明留言以外的情况（{count}{aside}）"
            if len(new) < FEW_NEW_WORDS
            else f"回复说明了一些留言以外的情况，但少于多数回复（{count}{aside}）"
        )
    found["new_content"] = Measure(math.log1p(len(new)), "new_content", said, fewer)
    requests = asks(message_text)
    left = unanswered(message_text, core)
    found["unanswered"] = (
        Measure(
            math.log1p(len(left)),
            "unanswered",
            f"留言的 {len(left)} 处提问或诉求，回复没有涉及（如“{_clip(left[0])}”）",
        )
        if left
        else Measure(0.0, "asks_taken_up", f"回复涉及了留言的每处提问和诉求（{len(requests)} 处）")
        if requests
        else Measure(0.0, "no_asks", "")
    )
    bare = _perfunctory(own)
    found["perfunctory"] = (
        Measure(1.0, bare.code, bare.text_zh) if bare else Measure(0.0, "not_perfunctory", "不是套话")
    )
    elsewhere = _sends_elsewhere(core)
    found["sends_elsewhere"] = (
        Measure(1.0, "sends_elsewhere", f"让留言人另找部门或另打电话咨询（“{elsewhere.group(0)[:20]}”）")
        if elsewhere
        else Measure(0.0, "answers_itself", "没有把留言人推给其他部门")
    )
    # "已转交有关部门调查处理" passes the message on; it is no step taken about the matter.
    done, facts = _DONE.search(_TRANSFER.sub("", core)), _FACTS.search(core)
    promise = _PROMISE.search(core)
    found["promise_only"] = (
        Measure(1.0, "promise_only", f"只有“{promise.group(0)}…”之类的承诺，没有已办结果或核实情况")
        if promise and not done and not facts
        else Measure(0.0, "not_promise_only", "不只是承诺")
    )
    stalled = _NO_RESULT.search(normalise_text(reply_text))
    found["no_result"] = (
        Measure(1.0, "no_result", f"称未办理、无法联系或已答复过（“{stalled.group(0)}”），没有办理结果")
        if stalled
        else Measure(0.0, "has_result", "没有称未办理")
    )
    # What the reply has to answer: a long message with many requests is harder to answer in full.
    found["asks"] = Measure(math.log1p(len(requests)), "asks", "")
    found["message_length"] = Measure(
        math.log1p(len(message_text.strip())) / math.log(1000), "message_length", ""
    )
    return found


def model_inputs(message_title: str, message_text: str, reply_text: str) -> dict[str, float]:
    """The measures' values, as the fit reads them."""
    return {name: m.value for name, m in measures(message_title, message_text, reply_text).items()}


# ---- Timeliness ------------------------------------------------------------------------------------------


def _timeliness(asked_at: datetime | None, replied_at: datetime | None) -> Reason | None:
    """How long the reply took, told to the editor beside the score: no points either way."""
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
        return Reason("slow", f"答复较慢（{days} 天，超过 {LATE_DAYS} 天；时效单独提示，不计入评分）", 0)
    return Reason(
        "very_slow", f"答复严重滞后（{days} 天，超过 {VERY_LATE_DAYS} 天；时效单独提示，不计入评分）", 0
    )


# ---- The score -------------------------------------------------------------------------------------------


_PERFUNCTORY_CODES = {"boilerplate_only", "answered_elsewhere", "bare_transfer", "redirect"}
# A late reply: flagged to the editor right after why a reply says nothing, whatever its score.
LATE_CODES = {"slow", "very_slow"}
# The ordinary side of a measure whose other side is the point: not said to the editor.
_UNREMARKABLE = {"not_perfunctory", "answers_itself", "not_promise_only", "has_result", "no_asks"}


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _worded(measure: Measure, points: int) -> str:
    """The measure's words, as its points read: the points compare the reply with a typical one of the
    labelled set, so a reply that says less than most is not praised for what it does say."""
    return measure.weaker_zh if points < 0 and measure.weaker_zh else measure.text_zh


def score_reply(
    message_text: str,
    reply_text: str,
    *,
    message_title: str = "",
    asked_at: datetime | None = None,
    replied_at: datetime | None = None,
) -> ReplyScore:
    """Score a reply to a message (title optional: the reply's new content is counted against it too);
    advice only."""
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
        if name in EXPECTATION or measure.code in _UNREMARKABLE:
            continue
        if points or name in ("new_content", "unanswered", "perfunctory"):
            reasons.append(Reason(measure.code, _worded(measure, points), points))
    late = _timeliness(asked_at, replied_at)
    if late is not None:
        reasons.append(late)
    score = max(0, min(100, round(100 * probability)))
    # Why a reply says nothing first, then its lateness, then the worst, then the strongest points for it.
    reasons.sort(
        key=lambda r: (
            r.code not in _PERFUNCTORY_CODES,
            r.code not in LATE_CODES,
            r.delta >= 0,
            -abs(r.delta),
        )
    )
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
