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
