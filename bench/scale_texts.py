"""Realistic message texts for bench/scale.py, recombined from the shared Teddy Cup data sets (DESIGN.md §7).

Each source title and each sentence of each source body is masked and segmented with jieba once; a
generated message takes a real title and a few real sentences drawn at random from the whole pool, so
words occur with their real frequencies while the combinations stay varied. Its `search_tokens` are the
pieces' token lists joined the same way `board.search.document_tokens` joins them, which gives the same
result as segmenting the whole text because jieba cuts at punctuation anyway: sentences are split just
after a full stop, question or exclamation mark (`check_consistency` measures how often that holds).

Texts are kept escaped for PostgreSQL's COPY text format, so that building a row is only joining strings.
"""

from __future__ import annotations

import csv
import hashlib
import os
import pickle
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("hot_messages.csv", "replied_messages.csv", "unlabeled_messages.csv")
# A sentence ends after one of these (kept with it); jieba never joins words across them.
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
_SPACES = re.compile(r"\s+")
SENTENCE_MAX = 160  # longer "sentences" (lists without full stops) are cut at a comma or dropped
BODY_TARGET = (60, 260)  # characters a generated body aims at: moderate, to keep 10M rows on the disk


def data_dir() -> Path:
    """The shared data sets: LIUYAN_SHARED_DATA, else ../shared/data beside the repository."""
    configured = os.environ.get("LIUYAN_SHARED_DATA")
    return Path(configured) if configured else ROOT.parent / "shared" / "data"


def copy_escape(text: str) -> str:
    """`text` as a field of COPY's text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", (text or "").replace("\u3000", " ")).strip()


def _sentences(body: str) -> list[str]:
    pieces = []
    for sentence in _SENTENCE_END.split(_clean(body)):
        sentence = sentence.strip()
        if len(sentence) > SENTENCE_MAX:
            cut = sentence.rfind("，", 0, SENTENCE_MAX)
            sentence = sentence[: cut + 1] if cut > 20 else ""
        if len(sentence) >= 4:
            pieces.append(sentence)
    return pieces


@dataclass
class Corpus:
    """Titles, sentences and replies with their token strings, as parallel lists."""

    titles: list[str]  # COPY-escaped
    title_tokens: list[str]  # space-separated, masked
    sentences: list[str]  # COPY-escaped
    sentence_raw: list[str]  # plain, for the consistency check
    title_raw: list[str]
    sentence_tokens: list[str]
    sentence_lengths: np.ndarray
    replies: list[str]  # COPY-escaped official replies

    def message_texts(
        self, rng: np.random.Generator, n: int, body_chars: tuple[int, int] = BODY_TARGET
    ) -> tuple[list[str], list[str], list[str]]:
        """`n` (title, body, search_tokens) triples, COPY-escaped, as three lists; each body aims at a
        length drawn from `body_chars`."""
        title_index = rng.integers(0, len(self.titles), n)
        picks = rng.integers(0, len(self.sentences), (n, 6))
        lengths = self.sentence_lengths[picks]
        wanted = rng.integers(body_chars[0], body_chars[1], n)
        # Take sentences while the body is shorter than its target (at least one, at most six).
        take = np.maximum(1, (np.cumsum(lengths, axis=1) - lengths < wanted[:, None]).sum(axis=1))
        titles, bodies, tokens = [], [], []
        sentences, sentence_tokens = self.sentences, self.sentence_tokens
        for i in range(n):
            chosen = picks[i, : take[i]]
            t = title_index[i]
            titles.append(self.titles[t])
            bodies.append("".join([sentences[s] for s in chosen]))
            title_tok = self.title_tokens[t]
            tokens.append(
                " ".join(filter(None, [title_tok, title_tok, *[sentence_tokens[s] for s in chosen]]))
            )
        return titles, bodies, tokens

    def reply_texts(self, rng: np.random.Generator, n: int, max_chars: int = 600) -> list[str]:
        """`n` official replies, COPY-escaped, cut to about `max_chars` (never inside an escape)."""
        texts = []
        for i in rng.integers(0, len(self.replies), n):
            text = self.replies[i][:max_chars]
            if (len(text) - len(text.rstrip("\\"))) % 2:
                text = text[:-1]
            texts.append(text)
        return texts


def _read(name: str) -> list[dict]:
    with (data_dir() / "taidi2020" / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def build_corpus() -> Corpus:
    from liuyan.board.privacy import mask_text
    from liuyan.board.search import tokenize

    titles, bodies, replies = [], [], []
    for name in SOURCES:
        for row in _read(name):
            title = _clean(row.get("留言主题", ""))[:60]
            if len(title) >= 4:
                titles.append(title)
            bodies.append(row.get("留言详情", ""))
            reply = _clean(row.get("答复意见", ""))
            if len(reply) >= 20:
                replies.append(reply[:600])
    titles = list(dict.fromkeys(titles))
    sentences = list(dict.fromkeys(s for body in bodies for s in _sentences(body)))

    def tokens(text: str) -> str:
        return " ".join(tokenize(mask_text(text)))

    return Corpus(
        titles=[copy_escape(t) for t in titles],
        title_tokens=[copy_escape(tokens(t)) for t in titles],
        sentences=[copy_escape(s) for s in sentences],
        sentence_raw=sentences,
        title_raw=titles,
        sentence_tokens=[copy_escape(tokens(s)) for s in sentences],
        sentence_lengths=np.array([len(s) for s in sentences]),
        replies=[copy_escape(r) for r in replies],
    )


def load_corpus(cache_dir: Path) -> Corpus:
    """The corpus, segmented once and kept in `cache_dir` (keyed by the sources' sizes and this file)."""
    key = hashlib.sha256(Path(__file__).read_bytes())
    for name in SOURCES:
        key.update(f"{name}:{(data_dir() / 'taidi2020' / name).stat().st_size}".encode())
    path = cache_dir / f"scale-corpus-{key.hexdigest()[:16]}.pickle"
    if path.exists():
        with path.open("rb") as handle:
            return pickle.load(handle)
    corpus = build_corpus()
    cache_dir.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(corpus, handle)
    return corpus


def check_consistency(corpus: Corpus, rng: np.random.Generator, n: int = 500) -> float:
    """The share of `n` generated messages whose tokens equal `document_tokens` of their own text."""
    from liuyan.board.search import document_tokens

    def unescape(text: str) -> str:
        return text.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r").replace("\\\\", "\\")

    titles, bodies, tokens = corpus.message_texts(rng, n)
    same = sum(
        document_tokens(unescape(t), unescape(b)) == unescape(k)
        for t, b, k in zip(titles, bodies, tokens, strict=True)
    )
    return same / n
