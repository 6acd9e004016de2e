"""Hot topics (热点话题), the clustering: a period's messages clustered into topics of near-same subject,
ranked by volume, support and growth, each labelled with a phrase and keywords. Pure: items in, topics out
(the database side is intelligence/hot_topics.py).

Method. Each message becomes a TF-IDF vector over its jieba tokens (the title counted three times, the
body capped; numbers, stop words and the anonymised place codes dropped; runs of single characters that
jieba could not segment, as in unknown compound names 麓/谷 → 麓谷, joined into one token). Two messages are
linked when their cosine similarity reaches LINK_SIMILARITY; the connected components of that sparse graph
are the candidate topics. A component whose members sit loosely around their centroid (chaining through
a few shared words) is split again with a stricter threshold, so a topic stays about one subject. Most
messages stay singletons; a topic needs at least MIN_TOPIC_SIZE messages.

Subjects. A topic must have a subject: one of its keywords that names a place, an object or a problem
(not in GENERIC_TERMS: asking and handling words, bureaucratic nouns, intensifiers) and that at least
SUBJECT_SHARE of its members' titles contain. A cluster without one (「予以 解答 办理 材料 想问」: people
asking the same way about different things) is split with a stricter threshold, and dropped when no part
has a subject.

Label. The phrase is a member's title, or one clause of it, cleaned of addressees, greetings, opening
verbs (请问, 反映, 建议 …), closing words (…的问题, 吗) and the anonymised city codes: among the titles of
the members closest to the centroid, the candidate that carries most of the topic's keyword weight,
shorter ones preferred beyond PHRASE_CHARS characters, words few members use counting against it.

Ranking. score = (volume + SUPPORT_WEIGHT · ln(1 + support_total)) · (1 + GROWTH_WEIGHT · growth), where
volume = distinct authors + REPEAT_WEIGHT · further messages of the same authors (an item without an
author counts as its own author), and growth ∈ [-1, 1] compares the topic's share of messages in the
last third of the period with the third it would have if it were steady: +1 all recent, 0 steady,
-1 none recent.
"""

import csv
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import jieba
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

from liuyan.core.text import normalise_text
from liuyan.core.times import parse_timestamp
from liuyan.intelligence.textfeatures import COMMON_WORDS, PLACE_CODE

LINK_SIMILARITY = 0.25
# A component whose mean similarity to its centroid is below this is split with a stricter threshold.
TIGHTNESS = 0.4
SPLIT_STEP, MAX_LINK_SIMILARITY = 0.08, 0.85
MIN_TOPIC_SIZE = 2
MIN_SHARED_TERMS = 2
LINK_CHUNK = 1000
MAX_DOCUMENT_SHARE, MIN_MAX_DF = 0.08, 20
TITLE_WEIGHT = 3
BODY_CHARS = 400
SUPPORT_WEIGHT, GROWTH_WEIGHT = 3.0, 0.25
# A further message from an author already in the topic counts a quarter: one person's flood of
# template messages ("请加快A市…建设力度") is not a concentration of public concern.
REPEAT_WEIGHT = 0.25
KEYWORDS = 5
REPRESENTATIVES = 3
SUBJECT_SHARE = 0.5
# Titles of the members closest to the centroid that the phrase is chosen from.
PHRASE_SOURCES = 12
PHRASE_CHARS, MIN_PHRASE_CHARS = 20, 4
# A candidate phrase loses this share of the topic's keyword weight per character beyond PHRASE_CHARS.
PHRASE_LENGTH_COST = 0.02
UNSHARED_TERM_COST = 0.03
TOP_REGIONS = 5

# Anonymised places in the data set (A市, A5区, K9县) and real ones of the same shape (西湖区 is not caught).
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_WORDLIKE = re.compile(r"^[\u4e00-\u9fffA-Za-z]+$")
# Characters that never start or end a name: a run of single characters through them is not joined.
_FUNCTION_CHARS = frozenset(
    "的了是在和与及或也都就还又很太更最被把让给向从到对为以于而但并且这那有无不没个些"
)
STOP_WORDS = COMMON_WORDS | frozenset(
    [
        "您好",
        "你好",
        "本人",
        "自己",
        "大家",
        "以及",
        "其他",
        "可能",
        "需要",
        "应该",
        "如此",
        "怎样",
        "尊敬",
        "各位",
        "恳请",
        "恳求",
        "强烈",
        "呼吁",
        "严查",
        "政府部门",
        "有关部门",
        "相关部门",
        "职能部门",
        "谢谢您",
        "万分",
        "感激",
        "市委",
        "区委",
        "县委",
        "您好",
        "老师",
        "一些",
        "很多",
        "多少",
        "甚至",
        "此事",
        "此外",
        "同时",
        "另外",
        "对此",
        "其中",
    ]
)


# Words that can rank among a cluster's keywords but name no place, object or problem: a cluster whose
# keywords are only these is people writing the same way about different things.
_GENERIC_WORDS = """
    予以 解答 办理 材料 想问 请问 咨询 加快 力度 行动 具体 市政府 省政府 区政府 县政府 政府 人民政府
    加强 推进 推动 落实 促进 提高 改善 完善 规范 整治 整改 监管 管理 建设 发展 工作 措施 政策 规定
    标准 手续 程序 条件 申请 提供 需要 回复 答复 答复意见 处理 解决 调查 查处 核实 协调 支持
    帮助 关心 关注 重视 希望 恳请 请求 要求 建议 意见 反映 投诉 举报 感谢 点赞 谢谢 您好 领导 书记
    市长 县长 区长 局长 主任 部门 单位 有关 相关 情况 问题 事情 事项 方面 时间 时候 目前 现在 今年
    去年 明年 一年 多年 已经 一直 仍然 依然 还是 到底 究竟 怎么 怎么办 如何 为何 为什么 何时 什么
    是否 能否 可否 可以 能够 应该 必须 尽快 及时 马上 立即 严重 非常 特别 真的 根本 完全 全部 所有
    有效 合理 正常 相应 进一步 全面 积极 认真 切实 坚决 彻底 给予 进行 开展 实施 实行 执行 实现
    市民 群众 百姓 老百姓 居民 人民 广大 我们 他们 大家 本人 自己 网友 同志 朋友 全市 全省 全县
    城市 地方 当地 本地 这里 那里 这边 附近 周边 多次 很多 许多 不少 一些 各种 行为 哪些 哪里 哪个
    多久 多少 怎样 怎么样 有没有 能不能 可不可以 流程
"""
GENERIC_TERMS = frozenset(_GENERIC_WORDS.split())
# Addressees and greetings that open a title: 尊敬的张书记：, 市长您好，, 领导你好！
_ADDRESSEE = re.compile(
    r"^(?:尊敬的)?[^，,。！？!?:：\s]{0,12}?(?:领导|书记|市长|县长|区长|局长|主任|省长|厅长)(?:们)?"
    r"(?:您好|你好)?[，,:：！!\s]+|^(?:尊敬的)?(?:领导)?(?:您好|你好)[，,:：！!\s]*"
)
_OPENING = re.compile(
    r"^(?:关于|请问|问一下|想问一下|我想问一下|想问|询问|咨询|反映|再次反映|投诉|实名举报|举报|建议|恳请|恳求|"
    r"请求|强烈要求|强烈建议|要求|希望|呼吁|求助|紧急求助|请|急|紧急)[，,:：！!\s]*"
)
_CLOSING = re.compile(
    r"(?:的|之)?(?:相关)?(?:问题|情况|一事|事宜|建议|咨询|投诉|疑问|反映|请求)$|"
    r"(?:怎么办|怎么回事|是真的吗|何时解决|吗|呢|啊|呀|吧)$"
)
_BRACKETS = re.compile(r"[【】\[\]「」『』“”\"'《》<>（）()]")
_CLAUSE_BREAK = re.compile(r"[，,。；;：:、！!？?…~～\s]+")
_LEADING_PLACE_CODES = re.compile(rf"^(?:{PLACE_CODE.pattern})+")


@dataclass(frozen=True)
class TopicItem:
    """One message as hot-topic mining sees it."""

    id: str
    title: str
    body: str
    created_at: datetime
    support: int = 0
    regions: tuple[str, ...] = ()
    author: str = ""
    serial: str = ""


@dataclass
class Topic:
    """A cluster of near-same-subject messages in a period, with what ranks and labels it."""

    keywords: list[str]
    message_count: int
    author_count: int
    support_total: int
    regions: list[tuple[str, int]]
    first_at: datetime
    last_at: datetime
    growth: float
    score: float
    representatives: list[TopicItem] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    # What the topic is about, in words (「丽发新城小区旁搅拌站噪音扰民」); empty in a snapshot made before
    # topics had phrases.
    phrase: str = ""

    @property
    def label(self) -> str:
        return self.phrase or " ".join(self.keywords)

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "phrase": self.phrase,
            "keywords": self.keywords,
            "message_count": self.message_count,
            "author_count": self.author_count,
            "support_total": self.support_total,
            "regions": [{"name": name, "count": count} for name, count in self.regions],
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "growth": round(self.growth, 3),
            "score": round(self.score, 2),
            "representatives": [
                {
                    "id": item.id,
                    "title": item.title,
                    "support": item.support,
                    "created_at": item.created_at.isoformat(),
                }
                for item in self.representatives
            ],
            "message_ids": self.message_ids,
        }


def place_names(text: str) -> list[str]:
    """The anonymised place names a text mentions (A5区, K9县), in order, once each."""
    return list(dict.fromkeys(PLACE_CODE.findall(text)))


def tokens(text: str) -> list[str]:
    """Content tokens of a text: jieba words without stop words, numbers and place codes; runs of single
    characters jieba left unsegmented joined (unknown names such as 麓谷 come out as 麓 / 谷)."""
    text = PLACE_CODE.sub(" ", text)
    out: list[str] = []
    run: list[str] = []

    def flush():
        if len(run) >= 2:
            out.append("".join(run))
        run.clear()

    for word in jieba.lcut(text, HMM=False):
        if len(word) == 1 and _CJK.match(word) and word not in _FUNCTION_CHARS:
            run.append(word)
            continue
        flush()
        if len(word) >= 2 and _WORDLIKE.match(word) and word not in STOP_WORDS:
            out.append(word)
    flush()
    return out


def file_regions(text: str) -> tuple[str, ...]:
    """A message's regions in a file without codes: the counties/districts it names, else its cities."""
    places = place_names(text)
    local = [p for p in places if not p.endswith("市")]
    return tuple(local or places)


def read_message_file(path) -> list[TopicItem]:
    """Messages from a CSV like hot_messages.csv (留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 点赞数);
    rows without a readable time are skipped. Raises ValueError naming a missing column."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = {name.strip() for name in reader.fieldnames or []}
        missing = [name for name in ("留言编号", "留言主题", "留言时间", "留言详情") if name not in fields]
        if missing:
            raise ValueError(f"文件缺少列：{'、'.join(missing)}")
        items = []
        for row in reader:
            row = {(k or "").strip(): normalise_text(v) for k, v in row.items()}
            created_at = parse_timestamp(row.get("留言时间"))
            if created_at is None:
                continue
            support = row.get("点赞数", "")
            title, body = row["留言主题"], row["留言详情"]
            items.append(
                TopicItem(
                    id=row["留言编号"],
                    title=title,
                    body=body,
                    created_at=created_at,
                    support=int(support) if support.isdigit() else 0,
                    regions=file_regions(f"{title} {body}"),
                    author=row.get("留言用户", ""),
                )
            )
    return items


def document(item: TopicItem) -> list[str]:
    return weighted_document(tokens(item.title), tokens(item.body[:BODY_CHARS]))


def weighted_document(title_tokens: list[str], body_tokens: list[str]) -> list[str]:
    return title_tokens * TITLE_WEIGHT + body_tokens


def _similarity(vectors, present):
    """Cosine similarities of the rows, kept only between rows sharing MIN_SHARED_TERMS terms or more."""
    shared = present @ present.T
    return (vectors @ vectors.T).multiply(shared >= MIN_SHARED_TERMS).tocsr()


def _links(vectors, present):
    """The pairs linked at the first threshold (LINK_SIMILARITY, sharing MIN_SHARED_TERMS terms), as a
    sparse matrix computed LINK_CHUNK rows at a time: the full similarity matrix of a large period is
    mostly weak pairs that no topic needs, and building it whole cost more than all the rest."""
    count = vectors.shape[0]
    blocks = []
    for first in range(0, count, LINK_CHUNK):
        block = (vectors[first : first + LINK_CHUNK] @ vectors.T).tocoo()
        strong = block.data >= LINK_SIMILARITY
        rows, columns, values = block.row[strong], block.col[strong], block.data[strong]
        shared = np.asarray(present[rows + first].multiply(present[columns]).sum(axis=1)).ravel()
        enough = shared >= MIN_SHARED_TERMS
        blocks.append((rows[enough] + first, columns[enough], values[enough]))
    rows, columns, values = (np.concatenate(parts) for parts in zip(*blocks, strict=True))
    return csr_matrix((values, (rows, columns)), shape=(count, count))


def _components(similarity, threshold: float) -> list[np.ndarray]:
    """Connected components (of at least MIN_TOPIC_SIZE) of the rows linked at ≥ threshold, as row
    positions in `similarity`."""
    sub = similarity.multiply(similarity >= threshold).tocsr()
    count, labels = connected_components(sub, directed=False)
    groups = [np.flatnonzero(labels == label) for label in range(count)]
    return [group for group in groups if len(group) >= MIN_TOPIC_SIZE]


def _spread(similarity) -> float:
    """Mean cosine similarity of a group's members to their centroid, from their pairwise similarities:
    with c the mean of unit vectors v_i, mean_i(v_i · c/|c|) = sqrt(mean_ij(v_i · v_j))."""
    return math.sqrt(max(0.0, float(similarity.sum()) / similarity.shape[0] ** 2))


def _tight_clusters(vectors, present, has_subject) -> list[tuple[np.ndarray, object]]:
    """The topics' member groups, each with the pairwise similarity matrix of its members: components of
    the linked pairs, a loose one split again at a stricter threshold until it is tight, and one without a
    subject (`has_subject(group)` false) split until its parts have one; what never has one is dropped."""
    pending = []
    for group in _components(_links(vectors, present), LINK_SIMILARITY):
        pending.append((group, _similarity(vectors[group], present[group]), LINK_SIMILARITY))
    done = []
    while pending:
        group, similarity, threshold = pending.pop()
        tight = len(group) <= 3 or threshold >= MAX_LINK_SIMILARITY or _spread(similarity) >= TIGHTNESS
        if tight and has_subject(group):
            done.append((group, similarity))
            continue
        if threshold >= MAX_LINK_SIMILARITY:
            continue
        stricter = threshold + SPLIT_STEP
        for part in _components(similarity, stricter):
            pending.append((group[part], similarity[part][:, part], stricter))
    return done


def subject_terms(centroid: np.ndarray, vocabulary: np.ndarray, titles: Sequence[str]) -> list[str]:
    """The terms that name a group's place, object or problem: among its strongest terms (`centroid`
    over `vocabulary`), those not in GENERIC_TERMS that at least SUBJECT_SHARE of its members' titles
    contain. Titles, not bodies: one author's boilerplate paragraph under different requests would
    otherwise pass for a subject."""
    found = []
    for index in np.argsort(-centroid)[: KEYWORDS * 2]:
        term = str(vocabulary[index])
        if centroid[index] <= 0 or term in GENERIC_TERMS:
            continue
        if sum(term in title for title in titles) >= SUBJECT_SHARE * len(titles):
            found.append(term)
    return found


def clean_title(title: str) -> str:
    """A title as a phrase: without brackets and quotes, an opening addressee or greeting, opening verbs
    (请问, 反映, 建议 …), anonymised city codes in front, closing words (…的问题, 吗) and end punctuation."""
    text = _BRACKETS.sub("", normalise_text(title, fold_width=True))
    previous = None
    while text != previous:
        previous = text
        text = _LEADING_PLACE_CODES.sub("", _OPENING.sub("", _ADDRESSEE.sub("", text)))
        text = _CLOSING.sub("", text.strip("，,。！!？?…~～：:；; "))
    return text


def _phrase_candidates(title: str) -> list[str]:
    """A cleaned title whole (its clauses joined by ，) and each of its clauses cleaned on its own."""
    clauses = [clean_title(clause) for clause in _CLAUSE_BREAK.split(clean_title(title))]
    clauses = [clause for clause in clauses if clause]
    candidates = ["，".join(clauses)] if len(clauses) > 1 else []
    candidates += clauses
    return [c for c in dict.fromkeys(candidates) if len(c) >= MIN_PHRASE_CHARS]


def topic_phrase(titles: Sequence[str], weights: dict[str, float], subjects: Sequence[str]) -> str:
    """The phrase that says what a topic is about, from its members' titles (closest to the centroid
    first): the candidate (see `_phrase_candidates`) naming one of the subject terms whose tokens carry
    most of the keyword `weights`, less PHRASE_LENGTH_COST per character beyond PHRASE_CHARS; the
    earlier title wins a tie. Empty when no title gives a candidate."""
    total = sum(weights.values()) or 1.0
    best, best_score = "", -math.inf
    for title in titles:
        for candidate in _phrase_candidates(title):
            terms = set(tokens(candidate))
            score = sum(weights.get(term, 0.0) for term in terms) / total
            score -= PHRASE_LENGTH_COST * max(0, len(candidate) - PHRASE_CHARS)
            # A word few members use (one school's name in a topic about several) makes it one case.
            score -= UNSHARED_TERM_COST * len(terms - weights.keys())
            if subjects and not any(subject in candidate for subject in subjects):
                score -= 1.0
            if score > best_score:
                best, best_score = candidate, score
    return best


def _growth(times: Sequence[datetime], start: datetime, end: datetime) -> float:
    span = (end - start).total_seconds()
    if span <= 0 or not times:
        return 0.0
    cut = end.timestamp() - span / 3
    recent = sum(1 for t in times if t.timestamp() > cut) / len(times)
    return (recent - 1 / 3) / (2 / 3) if recent >= 1 / 3 else (recent - 1 / 3) / (1 / 3)


def _keywords(centroid: np.ndarray, vocabulary: np.ndarray) -> list[str]:
    picked: list[str] = []
    for index in np.argsort(-centroid):
        if centroid[index] <= 0 or len(picked) == KEYWORDS:
            break
        term = str(vocabulary[index])
        # 伊景园 and 景园 say the same: keep the longer one only.
        if any(term in other or other in term for other in picked):
            continue
        picked.append(term)
    return picked


def default_period(times: Sequence[datetime]) -> tuple[datetime, datetime]:
    """The items' time span, ignoring the earliest 2%: a few stray old messages in a file would otherwise
    stretch the period and make every topic look recent."""
    ordered = sorted(times)
    return ordered[int(len(ordered) * 0.02)], ordered[-1]


def find_hot_topics(
    items: Iterable[TopicItem],
    *,
    top: int = 10,
    period: tuple[datetime, datetime] | None = None,
    documents: Sequence[list[str]] | None = None,
) -> list[Topic]:
    """The top topics among the items, best first; period (start, end) defaults to the items' time span.
    `documents`: the items' weighted tokens when already known (as `document` gives them)."""
    items = list(items)
    if len(items) < MIN_TOPIC_SIZE:
        return []
    if documents is None:
        documents = [document(item) for item in items]
    # Terms in more than MAX_DOCUMENT_SHARE of a large set say nothing about one subject; a small set
    # keeps them all (a share of a few dozen messages would drop the very names that make a topic).
    max_df = max(int(MAX_DOCUMENT_SHARE * len(items)), MIN_MAX_DF)
    vectorizer = TfidfVectorizer(analyzer=lambda doc: doc, min_df=2, max_df=max_df, sublinear_tf=True)
    try:
        vectors = vectorizer.fit_transform(documents)
    except ValueError:  # no term occurs in two messages: no topic
        return []
    # Two messages sharing a single term (晚上, 附近) are not about one subject, however short they are.
    present = (vectors > 0).astype(np.float32)
    start, end = period or default_period([item.created_at for item in items])
    vocabulary = vectorizer.get_feature_names_out()

    def has_subject(group: np.ndarray) -> bool:
        centroid = np.asarray(vectors[group].mean(axis=0)).ravel()
        return bool(subject_terms(centroid, vocabulary, [items[i].title for i in group]))

    ranked = []
    for group, similarity in _tight_clusters(vectors, present, has_subject):
        members = [items[i] for i in group]
        support = sum(item.support for item in members)
        growth = _growth([item.created_at for item in members], start, end)
        authors = len({item.author or f"#{item.id}" for item in members})
        volume = authors + REPEAT_WEIGHT * (len(members) - authors)
        score = (volume + SUPPORT_WEIGHT * math.log1p(support)) * (1 + GROWTH_WEIGHT * growth)
        ranked.append((score, len(members), group, similarity, members, support, growth, authors))
    ranked.sort(key=lambda row: (-row[0], -row[1], min(m.id for m in row[4])))

    topics = []
    for score, count, group, similarity, members, support, growth, authors in ranked[:top]:
        centroid = np.asarray(vectors[group].mean(axis=0)).ravel()
        # Each member's similarity to the centroid is proportional to its row sum of pairwise similarities.
        closeness = np.argsort(-np.asarray(similarity.sum(axis=1)).ravel(), kind="stable")
        strongest = np.argsort(-centroid)[: KEYWORDS * 4]
        weights = {str(vocabulary[i]): float(centroid[i]) for i in strongest if centroid[i] > 0}
        phrase = topic_phrase(
            [members[i].title for i in closeness[:PHRASE_SOURCES]],
            weights,
            subject_terms(centroid, vocabulary, [item.title for item in members]),
        )
        times = [item.created_at for item in members]
        regions = Counter(region for item in members for region in dict.fromkeys(item.regions))
        topics.append(
            Topic(
                keywords=_keywords(centroid, vocabulary),
                message_count=count,
                author_count=authors,
                support_total=support,
                regions=regions.most_common(TOP_REGIONS),
                first_at=min(times),
                last_at=max(times),
                growth=growth,
                score=score,
                representatives=[members[i] for i in closeness[:REPRESENTATIVES]],
                message_ids=[item.id for item in members],
                phrase=phrase,
            )
        )
    return topics
