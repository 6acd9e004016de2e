"""Hot topics (热点话题), the clustering: a period's messages clustered into topics of near-same subject,
ranked by volume, support and growth, each labelled with keywords. Pure: items in, topics out (the
database side is intelligence/hot_topics.py).

Method. Each message becomes a TF-IDF vector over its jieba tokens (the title counted three times, the
body capped; numbers, stop words and the anonymised place codes dropped; runs of single characters that
jieba could not segment, as in unknown compound names 麓/谷 → 麓谷, joined into one token). Two messages are
linked when their cosine similarity reaches LINK_SIMILARITY; the connected components of that sparse graph
are the candidate topics. A component whose members sit loosely around their centroid (chaining through
a few shared words) is split again with a stricter threshold, so a topic stays about one subject. Most
messages stay singletons; a topic needs at least MIN_TOPIC_SIZE messages.

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

    @property
    def label(self) -> str:
        return " ".join(self.keywords)

    def as_dict(self) -> dict:
        return {
            "label": self.label,
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


def _tight_clusters(vectors, present) -> list[tuple[np.ndarray, object]]:
    """The topics' member groups, each with the pairwise similarity matrix of its members: components of
    the linked pairs, a loose one split again at a stricter threshold until it is tight."""
    pending = []
    for group in _components(_links(vectors, present), LINK_SIMILARITY):
        pending.append((group, _similarity(vectors[group], present[group]), LINK_SIMILARITY))
    done = []
    while pending:
        group, similarity, threshold = pending.pop()
        if len(group) <= 3 or threshold >= MAX_LINK_SIMILARITY or _spread(similarity) >= TIGHTNESS:
            done.append((group, similarity))
            continue
        stricter = threshold + SPLIT_STEP
        for part in _components(similarity, stricter):
            pending.append((group[part], similarity[part][:, part], stricter))
    return done


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

    ranked = []
    for group, similarity in _tight_clusters(vectors, present):
        members = [items[i] for i in group]
        support = sum(item.support for item in members)
        growth = _growth([item.created_at for item in members], start, end)
        authors = len({item.author or f"#{item.id}" for item in members})
        volume = authors + REPEAT_WEIGHT * (len(members) - authors)
        score = (volume + SUPPORT_WEIGHT * math.log1p(support)) * (1 + GROWTH_WEIGHT * growth)
        ranked.append((score, len(members), group, similarity, members, support, growth, authors))
    ranked.sort(key=lambda row: (-row[0], -row[1], min(m.id for m in row[4])))

    vocabulary = vectorizer.get_feature_names_out()
    topics = []
    for score, count, group, similarity, members, support, growth, authors in ranked[:top]:
        centroid = np.asarray(vectors[group].mean(axis=0)).ravel()
        # Each member's similarity to the centroid is proportional to its row sum of pairwise similarities.
        closeness = np.asarray(similarity.sum(axis=1)).ravel()
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
                representatives=[members[i] for i in np.argsort(-closeness, kind="stable")[:REPRESENTATIVES]],
                message_ids=[item.id for item in members],
            )
        )
    return topics
