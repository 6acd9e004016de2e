"""Full-text search over messages (DESIGN.md §5).

A message's masked title and body are segmented with jieba when it is written and kept, space-separated,
in `Message.search_tokens`; PostgreSQL indexes them with a GIN index on to_tsvector('simple', …), SQLite
with an FTS5 table kept in sync by triggers (both created by migration 0002_search). Only the masked text
is indexed, so a search for a phone or ID number never reveals which message holds it.

Segmentation uses jieba's dictionary without its HMM guesser: a query and a document then split the same
words the same way, whatever text surrounds them. Each word of a query must match, either as itself or as
the dictionary words inside it (交通拥堵 also matches 交通 … 拥堵), so word order does not matter and
"市长" does not match 南京市长江大桥 (南京市 / 长江大桥).
"""

import logging
import re
import threading

import jieba
from django.db import connections
from django.db.models import BooleanField, F, FloatField, Func, Lookup, Q, QuerySet, TextField, Value

from liuyan.board.models import Message, MessageSearchEntry
from liuyan.board.privacy import mask_text

# Letters and digits only: punctuation, spaces and symbols are never tokens.
_WORD = re.compile(r"[^\W_]+")
# Single-character function words that would make a query needlessly strict; dropped from queries only.
QUERY_STOP_WORDS = frozenset("的了和与及或是在也都而并吗呢吧啊呀把被对请")
MAX_QUERY_WORDS = 10

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _jieba() -> jieba.Tokenizer:
    """jieba's tokenizer with its bundled dictionary, loaded once on first use (no download)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def _words(pieces) -> list[str]:
    return [piece.lower() for piece in pieces if _WORD.fullmatch(piece)]


def tokenize(text: str) -> list[str]:
    """Search-engine segmentation of `text`: words and the dictionary words inside them, lower-cased."""
    if not text:
        return []
    return _words(_jieba().lcut_for_search(text, HMM=False))


def document_tokens(title: str, body: str) -> str:
    """What `Message.search_tokens` holds for this title and body. The title counts twice in ranking."""
    title_tokens = tokenize(mask_text(title or ""))
    return " ".join([*title_tokens, *title_tokens, *tokenize(mask_text(body or ""))])


def query_terms(q: str) -> list[list[tuple[str, ...]]]:
    """The query as AND-ed groups of alternatives; each alternative is a run of AND-ed tokens.

    Each word of the query is one group: the word itself, or all the dictionary words inside it.
    """
    if not q:
        return []
    tokenizer = _jieba()
    words = list(dict.fromkeys(_words(tokenizer.lcut(q.strip(), HMM=False))))
    words = [w for w in words if w not in QUERY_STOP_WORDS] or words
    groups = []
    for word in words[:MAX_QUERY_WORDS]:
        parts = tuple(dict.fromkeys(t for t in tokenize(word) if t != word))
        groups.append([(word,), parts] if parts else [(word,)])
    return groups


def _render(groups, *, quote, and_, or_) -> str:
    def alternative(tokens):
        inner = f" {and_} ".join(quote(t) for t in tokens)
        return inner if len(tokens) == 1 else f"({inner})"

    def group(alternatives):
        inner = f" {or_} ".join(alternative(a) for a in alternatives)
        return inner if len(alternatives) == 1 else f"({inner})"

    return f" {and_} ".join(group(g) for g in groups)


def fts5_query(groups) -> str:
    # Tokens are letters and digits only, so quoting them needs no escaping.
    return _render(groups, quote=lambda t: f'"{t}"', and_="AND", or_="OR")


def tsquery(groups) -> str:
    return _render(groups, quote=lambda t: f"'{t}'", and_="&", or_="|")


class _FtsMatch(Lookup):
    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


MessageSearchEntry._meta.get_field("search_tokens").register_lookup(_FtsMatch)


class _TokenVector(Func):
    # Exactly the expression of the GIN index, so that PostgreSQL uses it.
    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = TextField()


class _TokenQuery(Func):
    template = "to_tsquery('simple'::regconfig, %(expressions)s)"
    output_field = TextField()


class _Matches(Func):
    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def search_messages(queryset: QuerySet[Message], q: str | None) -> QuerySet[Message]:
    """The messages of `queryset` matching every word of `q`, most relevant first, then newest.

    The queryset's other filters still apply; a query without any word (only punctuation, say) falls
    back to a plain substring match on the title and body.
    """
    q = (q or "").strip()
    if not q:
        return queryset
    groups = query_terms(q)
    vendor = connections[queryset.db].vendor
    if not groups or vendor not in {"postgresql", "sqlite"}:
        condition = Q()
        for word in q.split()[:5]:
            condition &= Q(title__icontains=word) | Q(body__icontains=word)
        return queryset.filter(condition).order_by("-published_at", "-id")
    if vendor == "postgresql":
        vector, query = _TokenVector(F("search_tokens")), _TokenQuery(Value(tsquery(groups)))
        return (
            queryset.filter(_Matches(vector, query))
            .annotate(search_rank=Func(vector, query, function="ts_rank", output_field=FloatField()))
            .order_by("-search_rank", "-published_at", "-id")
        )
    return (
        queryset.filter(search_entry__search_tokens__match=fts5_query(groups))
        .annotate(search_rank=-F("search_entry__rank"))
        .order_by("-search_rank", "-published_at", "-id")
    )


def reindex(batch_size: int = 500, *, using: str = "default") -> int:
    """Recompute `search_tokens` for every message, in batches by id; returns how many were written."""
    written, last_id = 0, 0
    messages = Message.objects.using(using)
    while True:
        batch = list(messages.filter(pk__gt=last_id).order_by("pk").only("pk", "title", "body")[:batch_size])
        if not batch:
            return written
        for message in batch:
            message.search_tokens = document_tokens(message.title, message.body)
        messages.bulk_update(batch, ["search_tokens"])
        written += len(batch)
        last_id = batch[-1].pk


# The FTS5 table and its triggers, as migration 0002 creates them.
SQLITE_SETUP = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS board_message_fts USING fts5(
        search_tokens, content='board_message', content_rowid='id', tokenize='unicode61')""",
    """CREATE TRIGGER IF NOT EXISTS board_message_fts_insert AFTER INSERT ON board_message BEGIN
        INSERT INTO board_message_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END""",
    """CREATE TRIGGER IF NOT EXISTS board_message_fts_delete AFTER DELETE ON board_message BEGIN
        INSERT INTO board_message_fts(board_message_fts, rowid, search_tokens)
        VALUES ('delete', old.id, old.search_tokens);
    END""",
    """CREATE TRIGGER IF NOT EXISTS board_message_fts_update AFTER UPDATE OF search_tokens ON board_message
    BEGIN
        INSERT INTO board_message_fts(board_message_fts, rowid, search_tokens)
        VALUES ('delete', old.id, old.search_tokens);
        INSERT INTO board_message_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END""",
]
SQLITE_TRIGGERS = ("board_message_fts_insert", "board_message_fts_delete", "board_message_fts_update")


def ensure_sqlite_index(connection) -> None:
    """Create the FTS5 table and its triggers if missing, and rebuild the index when a trigger was missing.

    SQLite migrations that alter `board_message` rebuild the table and so drop its triggers; this runs
    after every `migrate` (post_migrate) to put them back before the index can drift.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pragma_table_info('board_message') WHERE name = 'search_tokens'")
        if not cursor.fetchone()[0]:
            return  # before migration 0002, or after reversing it
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s)",
            list(SQLITE_TRIGGERS),
        )
        complete = cursor.fetchone()[0] == len(SQLITE_TRIGGERS)
        for statement in SQLITE_SETUP:
            cursor.execute(statement)
        if not complete:
            cursor.execute("INSERT INTO board_message_fts(board_message_fts) VALUES ('rebuild')")
