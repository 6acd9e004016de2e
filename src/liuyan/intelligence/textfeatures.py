"""Reading labelled and unlabelled message files, and the word lists the text models share."""

import csv
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from liuyan.core.text import normalise_text

# A label seen fewer times than this in a training file is taken for debris of broken CSV quoting
# (a fragment of a message body that landed in the label column) and its rows are left out.
MIN_LABEL_ROWS = 5
# Column pairs that hold a message's title and body, tried in order when a file has no single text column.
TITLE_BODY_COLUMNS = [("留言主题", "留言详情"), ("title", "body"), ("标题", "内容")]


# The anonymised place names of the taidi2020 data set (A市, A3区, K10县): no subject, only a place.
PLACE_CODE = re.compile(r"[A-Z]\d{0,2}[市区县]")
# Words of messages (and replies) that say little about their subject: greetings, addressees, the people
# writing, connectives, intensifiers. Shared by reply quality (relevance) and hot topics (keywords).
COMMON_WORDS = frozenset(
    [
        "问题",
        "反映",
        "希望",
        "请问",
        "领导",
        "政府",
        "市民",
        "我们",
        "你们",
        "他们",
        "有关",
        "相关",
        "部门",
        "情况",
        "目前",
        "现在",
        "已经",
        "没有",
        "这个",
        "那个",
        "一个",
        "什么",
        "怎么",
        "为什么",
        "如何",
        "是否",
        "可以",
        "能否",
        "关于",
        "建议",
        "咨询",
        "投诉",
        "举报",
        "解决",
        "处理",
        "要求",
        "请求",
        "书记",
        "市长",
        "县长",
        "区长",
        "网友",
        "居民",
        "群众",
        "百姓",
        "老百姓",
        "严重",
        "非常",
        "一直",
        "还是",
        "但是",
        "而且",
        "因为",
        "所以",
        "如果",
        "这样",
        "这些",
        "那些",
        "一下",
        "不能",
        "不是",
        "就是",
        "时候",
        "今年",
        "去年",
        "每天",
        "知道",
        "觉得",
        "表示",
        "进行",
        "存在",
        "出现",
        "导致",
        "造成",
        "影响",
        "重视",
        "关注",
        "西地省",
        "留言",
        "帮忙",
        "麻烦",
        "谢谢",
        "感谢",
        "尽快",
        "及时",
    ]
)


# Words that show what a writer wants, by message type: a question (咨询), a proposal (建言), thanks
# (感谢), a charge against someone (投诉), a plea about the writer's own plight (求助); then who is named (a
# company, an office, an official: the party a complaint accuses) and the writer's own household (我家, 本人:
# whose plight a plea is about). Character n-grams see these words too, but not where they stand: in the
# title, in the body's opening or as its closing request, they say far more.
TYPE_CUES = {
    "question": re.compile(
        r"请问|能否|是否|可否|可不可以|能不能|有没有|何时|什么时候|多久|怎么|如何|哪里|哪个|多少|为什么|为何"
        r"|咨询|吗[？?]?$|[？?]"
    ),
    "proposal": re.compile(
        r"建议|希望|呼吁|期盼|期待|加快|增设|增加|设置|开通|延长|优化|改造|修建|安装|完善|推迟|提前|规划"
    ),
    "thanks": re.compile(r"感谢|点赞|表扬|致敬|称赞|赞扬|谢谢|感激|好干部|好书记|锦旗"),
    "complaint": re.compile(
        r"投诉|举报|严惩|违规|违法|非法|扰民|乱收费|欺诈|诈骗|不作为|污染|噪音|偷排|违章|霸道|无良|黑心|偷工减料"
        r"|强行|擅自|私自|涉嫌|查处|严查|取缔|彻查|整治|猫腻|腐败|贪污|恶意|坑"
    ),
    "help": re.compile(
        r"求助|救救|帮帮|帮助|无助|走投无路|无奈|恳请|恳求|做主|作主|主持公道|讨薪|血汗钱|工资|欠薪|补偿|安置"
        r"|养老|低保|救助|残疾|生病|癌|困难|房产证|生活无着|可怜"
    ),
    "party": re.compile(
        r"公司|物业|开发商|店|厂|驾校|医院|学校|幼儿园|老板|局|站|大队|村支书|书记|组长|村干部|村委|社区|街道"
    ),
    "household": re.compile(r"我家|本人|我们家|我父|我母|我妈|我爸|我老婆|我妻|我儿|我女|家里|全家|一家"),
}
EDGE_CHARACTERS = 60  # the opening and the closing of a body, where its matter and its request usually stand
# Whole-message forms: a title opening with a charge or with a proposal, and wages or money owed.
CHARGE_TITLE = re.compile(r"^(投诉|举报|实名举报)")
PROPOSAL_TITLE = re.compile(r"^(建议|希望|请求|恳请|关于)")
OWED = re.compile(r"拖欠.{0,8}(工资|工钱|款)|(工资|工钱|款).{0,4}(拖欠|未付|没有发|不发)")
LONG_BODY = 1500  # characters; a body's length counts up to this


def type_cues(text: str) -> list[float]:
    """The type cues of a message ("title\nbody"), each in [0, 1]: per TYPE_CUES entry, whether the title
    has it, how often the body has it (five times or more: 1), whether the body's closing and its opening
    have it; then whether the title ends in a question mark, opens with 请问, opens with 咨询, whether the
    body ends in a question, how many questions it asks (five or more: 1), whether the title opens with a
    charge (投诉, 举报) or a proposal (建议, 希望, 请求, 关于), whether wages or money owed are named near the
    start, and the body's length."""
    title, _, body = text.partition("\n")
    title, body = normalise_text(title, fold_width=True), normalise_text(body, fold_width=True)
    opening, closing = body[:EDGE_CHARACTERS], body[-EDGE_CHARACTERS:]
    values = []
    for pattern in TYPE_CUES.values():
        values += [
            float(bool(pattern.search(title))),
            min(len(pattern.findall(body)), 5) / 5,
            float(bool(pattern.search(closing))),
            float(bool(pattern.search(opening))),
        ]
    values += [
        float(title.endswith("?")),
        float(title.startswith("请问")),
        float(title.startswith("咨询")),
        float(body.rstrip("。!.谢 ").endswith("?")),
        min(body.count("?"), 5) / 5,
        float(bool(CHARGE_TITLE.search(title))),
        float(bool(PROPOSAL_TITLE.search(title))),
        float(bool(OWED.search(title + body[:200]))),
        min(len(body), LONG_BODY) / LONG_BODY,
    ]
    return values


@dataclass
class LabelledTexts:
    """The usable rows of a labelled file, and the rows left out with the reason."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _open_rows(path: Path):
    """(line number, row with stripped keys) for each record of a UTF-8 CSV file with a header."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = [(name or "").strip() for name in reader.fieldnames or []]
        yield 1, columns
        for raw in reader:
            yield reader.line_num, {(key or "").strip(): (value or "") for key, value in raw.items()}


def _text_of(row: dict, text_column: str | None) -> str:
    if text_column:
        return row.get(text_column, "")
    for title, body in TITLE_BODY_COLUMNS:
        if title in row or body in row:
            return f"{row.get(title, '')}\n{row.get(body, '')}"
    return row.get("text", "")


def _check_columns(path: Path, columns: list[str], wanted: list[str]) -> None:
    missing = [name for name in wanted if name not in columns]
    if missing:
        raise ValueError(f"{path}: 缺少列 {'、'.join(missing)}（已有列：{'、'.join(columns)}）")


def read_labelled(
    path: Path,
    text_column: str = "text",
    label_column: str = "label",
    known_labels: Iterable[str] | None = None,
) -> LabelledTexts:
    """The (text, label) rows of a CSV file. Rows with an empty text or label are skipped, and so are rows
    whose label is junk from broken quoting: not one of `known_labels` (a test file: the training file's
    labels) or, without them, a label seen fewer than MIN_LABEL_ROWS times. Each skip is listed, with why."""
    rows = _open_rows(path)
    _line, columns = next(rows)
    _check_columns(path, columns, [text_column, label_column])
    kept: list[tuple[int, str, str]] = []
    result = LabelledTexts()
    for line, row in rows:
        text, label = row.get(text_column, "").strip(), normalise_text(row.get(label_column, ""))
        if not text or not label:
            result.skipped.append((line, "空文本" if not text else "空标签"))
        else:
            kept.append((line, text, label))
    counts = Counter(label for _line, _text, label in kept)
    known = set(known_labels) if known_labels is not None else None
    for line, text, label in kept:
        if known is not None and label not in known:
            result.skipped.append((line, f"标签“{label[:20]}”不在训练标签中"))
        elif known is None and counts[label] < MIN_LABEL_ROWS:
            result.skipped.append((line, f"标签“{label[:20]}”仅出现 {counts[label]} 次，视为格式错误"))
        else:
            result.texts.append(text)
            result.labels.append(label)
    result.skipped.sort()
    return result


def read_unlabelled(path: Path, text_column: str | None = None) -> list[str]:
    """The texts of a message CSV: `text_column`, else title + body (留言主题 + 留言详情), else `text`."""
    rows = _open_rows(path)
    _line, columns = next(rows)
    if text_column:
        _check_columns(path, columns, [text_column])
    elif not any(t in columns or b in columns for t, b in TITLE_BODY_COLUMNS) and "text" not in columns:
        raise ValueError(
            f"{path}: 找不到文本列（需要 留言主题/留言详情 或 text；已有列：{'、'.join(columns)}）"
        )
    texts = (_text_of(row, text_column).strip() for _line, row in rows)
    return [text for text in texts if text]


def read_references(
    path: Path, data_dir: Path, label_column: str = "type"
) -> tuple[LabelledTexts, LabelledTexts]:
    """A labelled set kept as references to messages of shared files (columns source, id, `label_column`,
    aside): each message's title and body are read from `data_dir`/<source> by its 留言编号. Returns the
    training rows (aside 0) and the held-out rows (aside 1); a row whose file or message cannot be found,
    or whose label or aside is empty, is skipped with the reason (in the training part's `skipped`)."""
    rows = _open_rows(path)
    _line, columns = next(rows)
    _check_columns(path, columns, ["source", "id", label_column, "aside"])
    sources: dict[str, dict[str, str] | None] = {}
    training, held_out = LabelledTexts(), LabelledTexts()
    for line, row in rows:
        source, number = row["source"].strip(), row["id"].strip()
        label, aside = normalise_text(row[label_column]), row["aside"].strip()
        if source not in sources:
            sources[source] = _messages_by_number(data_dir / source) if "/" not in source else None
        messages = sources[source]
        if messages is None:
            training.skipped.append((line, f"找不到文件 {source}"))
        elif number not in messages:
            training.skipped.append((line, f"{source} 中没有编号为 {number} 的留言"))
        elif not label or aside not in ("0", "1"):
            training.skipped.append((line, "空标签" if not label else f"aside 应为 0 或 1，而不是“{aside}”"))
        else:
            part = held_out if aside == "1" else training
            part.texts.append(messages[number])
            part.labels.append(label)
    return training, held_out


def _messages_by_number(path: Path) -> dict[str, str] | None:
    """Title + body of each message of a shared file, by its 留言编号; None when the file is missing."""
    if not path.is_file():
        return None
    rows = _open_rows(path)
    _line, columns = next(rows)
    _check_columns(path, columns, ["留言编号", "留言主题", "留言详情"])
    return {row["留言编号"].strip(): _text_of(row, None).strip() for _line, row in rows}
