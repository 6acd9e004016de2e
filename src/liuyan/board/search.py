"""Full-text search over messages (DESIGN.md §5).

A message's masked title and body are segmented with jieba when it is written and kept, space-separated,
in `Message.search_tokens`. PostgreSQL keeps their tsvector ('simple') in a generated column with a GIN
index (migration 0006), SQLite an FTS5 table kept in sync by triggers (migration 0002). Only the masked
text is indexed, so a search for a phone or ID number never reveals which message holds it.

Segmentation uses jieba's dictionary without its HMM guesser: a query and a document then split the same
words the same way, whatever text surrounds them. Each word of a query must match, either as itself or as
the dictionary words inside it (交通拥堵 also matches 交通 … 拥堵), so word order does not matter and
"市长" does not match 南京市长江大桥 (南京市 / 长江大桥).

A search ranks only the newest CANDIDATES matches (RankedMatches), never every match of a common word;
beyond them it tells how many there are from the planner's estimate, not by counting.

On PostgreSQL the newest messages also have a search index of their own (refresh_recent_index): a common
word's newest matches are read from its short lists, whose length depends on how many messages are recent,
not on how many there are in all.
"""

import json
import logging
import re
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property

import jieba
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, F, Func, Lookup, Q, QuerySet, TextField, Value

from liuyan.board.models import Message, MessageSearchEntry, public_live
from liuyan.board.privacy import mask_text

# Letters and digits only: punctuation, spaces and symbols are never tokens.
_WORD = re.compile(r"[^\W_]+")
# Single-character function words that would make a query needlessly strict; dropped from queries only.
QUERY_STOP_WORDS = frozenset("的了和与及或是在也都而并吗呢吧啊呀把被对请")
MAX_QUERY_WORDS = 10
# How many of the newest matches a search ranks (ten pages). The best matches of a word are sought among its
# newest ones, so that a word found in a million messages costs no more than one found in a thousand.
CANDIDATES = 200

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


def query_pattern(q: str) -> re.Pattern | None:
    """A pattern finding the words of `q` (and the dictionary words inside them) in a text, any case,
    longest first; None when the query holds no word."""
    tokens = {token for group in query_terms(q) for tokens in group for token in tokens}
    tokens = tokens or set(q.split()[:5])  # no word: the substrings match_messages falls back to
    if not tokens:
        return None
    return re.compile(
        "|".join(re.escape(t) for t in sorted(tokens, key=lambda t: (-len(t), t))), re.IGNORECASE
    )


def term_spans(text: str, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    """Where `pattern` (query_pattern) occurs in `text`: (start, end) offsets, adjacent ones joined."""
    spans: list[tuple[int, int]] = []
    for found in pattern.finditer(text) if pattern and text else ():
        if spans and spans[-1][1] == found.start():
            spans[-1] = (spans[-1][0], found.end())
        else:
            spans.append(found.span())
    return spans


def excerpt_around(text: str, pattern: re.Pattern | None, width: int) -> tuple[str, list[tuple[int, int]]]:
    """About `width` characters of `text` from a little before the first match of `pattern` (from the start
    when none), with "…" where it is cut, and the spans of the matches within the excerpt."""
    text = " ".join(text.split())
    spans = term_spans(text, pattern)
    start = max(0, spans[0][0] - width // 4) if spans and spans[0][1] > width else 0
    end = min(len(text), start + width)
    lead = "…" if start else ""
    excerpt = lead + text[start:end] + ("…" if end < len(text) else "")
    shift = len(lead) - start
    return excerpt, [(max(a, start) + shift, min(b, end) + shift) for a, b in spans if a < end and b > start]


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


class _StoredVector(Func):
    """The stored `search_vector` column of the row whose `search_tokens` it wraps (PostgreSQL, migration
    0006). PostgreSQL generates that column and the model does not declare it, so it is reached through the
    tokens' table alias, which stays right when the query becomes a subquery."""

    output_field = TextField()

    def as_sql(self, compiler, connection):
        (tokens,) = self.get_source_expressions()
        return f"{compiler.quote_name_unless_alias(tokens.alias)}.search_vector", []


class _TokenQuery(Func):
    template = "to_tsquery('simple'::regconfig, %(expressions)s)"
    output_field = TextField()


class _Matches(Func):
    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _substring(q: str) -> Q:
    condition = Q()
    for word in q.split()[:5]:
        condition &= Q(title__icontains=word) | Q(body__icontains=word)
    return condition


def match_messages(queryset: QuerySet[Message], q: str | None) -> QuerySet[Message]:
    """The messages of `queryset` matching every word of `q`, in the queryset's order.

    A query without any word (only punctuation, say) falls back to a plain substring match on the title
    and body.
    """
    q = (q or "").strip()
    if not q:
        return queryset
    groups = query_terms(q)
    vendor = connections[queryset.db].vendor
    if not groups or vendor not in {"postgresql", "sqlite"}:
        return queryset.filter(_substring(q))
    if vendor == "postgresql":
        query = _TokenQuery(Value(tsquery(groups)))
        return queryset.filter(_Matches(_StoredVector(F("search_tokens")), query))
    return queryset.filter(search_entry__search_tokens__match=fts5_query(groups))


# The planner's estimates change only when the table's statistics do (ANALYZE, every few minutes at most):
# each process keeps those it asked for this long, so that a search asks for none of the common ones.
ESTIMATE_SECONDS = 300
_ESTIMATES_KEPT = 2000
_estimates: dict[tuple, tuple[float, int]] = {}


def forget_estimates() -> None:
    _estimates.clear()


def _planned_rows(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows `queryset` holds, from its statistics: nothing is counted."""
    rows = queryset.select_related(None).order_by().values("pk")
    try:
        if rows.query.is_empty():  # `.none()`: nothing to explain
            return 0
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (`type__in=[]`)
        return 0
    key = (rows.db, sql, tuple(map(str, params)))
    kept = _estimates.get(key)
    if kept is not None and time.monotonic() - kept[0] < ESTIMATE_SECONDS:
        return kept[1]
    explained = rows.explain(format="json")
    if not explained:  # Django explains nothing for a statement its compiler finds empty
        return 0
    (plan,) = json.loads(explained)
    estimate = int(plan["Plan"]["Plan Rows"])
    if len(_estimates) >= _ESTIMATES_KEPT:
        _estimates.clear()
    _estimates[key] = (time.monotonic(), estimate)
    return estimate


def _window_start(queryset: QuerySet[Message], total: int, expected: int, wanted: float):
    """A publication time after which about `wanted` matches are expected (PostgreSQL), given that
    `expected` of the `total` messages of `queryset` match; None when the window would hold every message.
    `queryset` holds only conditions an index serves in its order (place, state, days), so the newest of
    them are read from that index; the matches may be narrowed further (type, domain) within the window.

    Within the window PostgreSQL intersects the search index with the newest-first index (a BitmapAnd)
    and visits only the rows in both, instead of testing every new message until enough match (slow for
    a word in a few per cent of messages: each test reads the row's stored vector) or reading every match
    (slow for a common word). Each match read costs a heap page, so the window aims only a little past
    what is ranked.
    """
    newest = queryset.order_by("-published_at", "-id").values_list("published_at", flat=True)
    depth = int(total * wanted / expected)
    if depth <= EXACT_DEPTH:
        return newest[depth : depth + 1].first()
    # Deeper, an OFFSET would walk the index through millions of rows (a rare word at 10M messages read
    # 4.5M pages that way): the moment is interpolated between the newest and the oldest publication
    # instead, as if messages came at an even pace. A window that falls short is widened like any other.
    latest, earliest = newest.first(), newest.reverse().first()
    if latest is None or earliest is None or depth >= total:
        return None
    return latest - (latest - earliest) * (depth / total)


# Down to this many rows the window's start is read exactly from the newest-first index (an OFFSET).
EXACT_DEPTH = 20_000
# How far past the ranked number a window first aims, and how much wider each retry is when it fell short
# (the planner's estimate of a several-word query, taken as independent words, is often off).
WINDOW_MARGIN = 1.5
WINDOW_WIDENING = 4


def _ranked_ids(
    queryset: QuerySet[Message], q: str, limit: int, expected: int | None, base: QuerySet[Message]
) -> list[int]:
    """The ids of the newest `limit` matches, most relevant first, then newest, in one statement.

    On PostgreSQL, where the planner `expected` many more matches than `limit`, the candidates are first
    sought within recent windows of `base` (_window_start), widened while they hold fewer than `limit`
    matches, and at last among all the matches. Either way they are the newest `limit` matches. Only the
    candidates are ranked, in the outer query.
    """
    matches = match_messages(queryset, q)
    groups = query_terms(q)
    vendor = connections[queryset.db].vendor
    if not groups or vendor not in {"postgresql", "sqlite"}:
        return list(matches.order_by("-published_at", "-id").values_list("pk", flat=True)[:limit])
    if vendor == "postgresql" and expected is not None:
        # Several words: the planner takes them as independent and may expect far fewer matches than there
        # are (小区 停车); the rarest word's own estimate bounds them, and the windows start from it.
        expected = max(expected, min(_planned_rows(match_messages(queryset, g[0][0])) for g in groups))
    if vendor == "postgresql" and expected and expected > 10 * limit:  # else reading all matches is cheap
        wanted, total = limit * WINDOW_MARGIN, _planned_rows(base)
        while (since := _window_start(base, total, expected, wanted)) is not None:
            ids = _rank(matches.filter(published_at__gte=since), groups, limit, vendor)
            if len(ids) == limit:
                return ids
            wanted *= WINDOW_WIDENING
    return _rank(matches, groups, limit, vendor)


def _in_title(groups) -> tuple[str, list[str]]:
    """SQL over the candidates' `title` that holds when the title alone matches the query: for every group,
    one alternative whose tokens all occur in it. Only a few hundred candidates are tested, so a substring
    test of the title serves (tokens are letters and digits only: nothing to escape in a LIKE pattern)."""

    def alternative(tokens):
        return " AND ".join("lower(candidate.title) LIKE %s" for _ in tokens), [f"%{t}%" for t in tokens]

    sql, params = [], []
    for group in groups:
        pieces = [alternative(tokens) for tokens in group]
        sql.append("(" + " OR ".join(f"({piece})" for piece, _ in pieces) + ")")
        params.extend(p for _, piece_params in pieces for p in piece_params)
    return " AND ".join(sql), params


def _rank(matches: QuerySet[Message], groups, limit: int, vendor: str) -> list[int]:
    """The ids of the newest `limit` matches: those whose title matches first, then by the engine's rank
    (the title counts twice in it), then newest."""
    newest = matches.order_by("-published_at", "-id")
    # Named: the outer query reads them.
    columns = {"message_id": F("pk"), "published": F("published_at")}
    if vendor == "postgresql":
        candidates = newest.values("title", **columns, vector=_StoredVector(F("search_tokens")))
        rank, rank_params = (
            "ts_rank(candidate.vector, to_tsquery('simple'::regconfig, %s)) DESC",
            [tsquery(groups)],
        )
    else:  # FTS5's rank is bm25 negated: lowest is best
        candidates = newest.values("title", **columns, rank=F("search_entry__rank"))
        rank, rank_params = "candidate.rank", []
    try:
        sql, params = candidates[:limit].query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (`type__in=[]`)
        return []
    in_title, title_params = _in_title(groups)
    with connections[matches.db].cursor() as cursor:
        cursor.execute(
            f"SELECT candidate.message_id FROM ({sql}) AS candidate "
            f"ORDER BY CASE WHEN {in_title} THEN 0 ELSE 1 END, {rank}, "
            "candidate.published DESC, candidate.message_id DESC",
            [*params, *title_params, *rank_params],
        )
        return [pk for (pk,) in cursor.fetchall()]


class RankedMatches(Sequence):
    """The best matches of a search, most relevant first, then newest.

    They are sought among the newest CANDIDATES matches, ranked in one statement on first use; each slice
    then fetches its own rows by id through the queryset (with its select_related and defer). So a search
    costs the same whether a word is in ten messages or in a million, and a page reads only its rows.
    """

    def __init__(self, queryset: QuerySet[Message], q: str, candidates: int | None = None, *, base=None):
        """`base`: `queryset` without its conditions that no index orders by publication (type, domain),
        where the windows are measured; `queryset` itself by default."""
        self.queryset, self.q = queryset, q
        self.candidates = candidates or CANDIDATES
        self.base = queryset if base is None else base

    @cached_property
    def _expected(self) -> int | None:
        """PostgreSQL's planner estimate of how many messages match, from its statistics of the stored
        vectors (nothing is counted); None elsewhere or when the query holds no word."""
        if connections[self.queryset.db].vendor != "postgresql" or not query_terms(self.q):
            return None
        return _planned_rows(match_messages(self.queryset, self.q))

    @cached_property
    def _ids(self) -> list[int]:
        # One more than kept, to know whether there are more matches than candidates.
        return _ranked_ids(self.queryset, self.q, self.candidates + 1, self._expected, self.base)

    @property
    def ids(self) -> list[int]:
        return self._ids[: self.candidates]

    @property
    def more(self) -> bool:
        """Whether more messages match than were ranked."""
        return len(self._ids) > self.candidates

    def estimate(self) -> int | None:
        """PostgreSQL's planner estimate of how many messages match a one-word query in all, from its
        statistics of the stored vectors (no counting); None elsewhere."""
        # Several words: the planner takes them as independent and underestimates by far (拖欠 工资).
        if len(query_terms(self.q)) != 1:
            return None
        return self._expected

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1 if index != -1 else None][0]
        wanted = self.ids[index]
        rows = self.queryset.in_bulk(wanted) if wanted else {}
        return [rows[pk] for pk in wanted if pk in rows]

    def __iter__(self):
        return iter(self[:])


def search_messages(
    queryset: QuerySet[Message], q: str | None, *, base: QuerySet[Message] | None = None
) -> RankedMatches | QuerySet[Message]:
    """The best matches in `queryset` of every word of `q` (RankedMatches); the queryset itself when `q`
    holds nothing to search for. The queryset's other filters still apply; `base` as in RankedMatches."""
    q = (q or "").strip()
    return RankedMatches(queryset, q, base=base) if q else queryset


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


# The stored vector and its index, as migration 0006 creates them on PostgreSQL.
# The old index goes first: adding the column rewrites the table and would rebuild it for nothing.
POSTGRES_VECTOR_SETUP = [
    "DROP INDEX IF EXISTS message_search_tokens_gin",
    "ALTER TABLE board_message ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_tokens)) STORED",
    "CREATE INDEX IF NOT EXISTS message_search_vector_gin ON board_message USING GIN (search_vector)",
    # The planner's estimates of a word's matches come from the new column's statistics: keep the
    # frequencies of ten thousand words rather than a thousand, so a word in a few per cent of messages
    # is estimated from its own frequency, not from a default.
    "ALTER TABLE board_message ALTER COLUMN search_vector SET STATISTICS 1000",
    "ANALYZE board_message",
]


def ensure_postgres_vector(connection) -> None:
    """Create the stored vector if migration 0006 is recorded as applied but the column is missing.

    Databases migrated while 0006 was still an empty placeholder have it recorded without its column;
    this runs after every `migrate` (post_migrate) and gives them the column (a rewrite of the table).
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM django_migrations "
            "WHERE app = 'board' AND name = '0006_search_vector'), "
            "EXISTS (SELECT FROM information_schema.columns "
            "WHERE table_name = 'board_message' AND column_name = 'search_vector' "
            "AND table_schema = current_schema())"
        )
        applied, present = cursor.fetchone()
        if applied and not present:
            for statement in POSTGRES_VECTOR_SETUP:
                cursor.execute(statement)


# The newest messages' own search index (PostgreSQL): a partial GIN index of the vectors of the messages
# published since a moment, its name telling the moment. A search's recent windows (_window_start) fall
# within it, and the planner reads a word's short list there instead of its list over every message.
# refresh_recent_index moves the moment forward when the index has grown to twice RECENT_MESSAGES.
RECENT_INDEX = "message_search_recent_"
RECENT_MESSAGES = 100_000


def recent_index_since(using: str = "default") -> datetime | None:
    """The moment from which the newest messages' search index covers them; None without one."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'board_message' "
            "AND schemaname = current_schema() AND indexname LIKE %s ORDER BY indexname DESC",
            [RECENT_INDEX + "%"],
        )
        names = [name for (name,) in cursor.fetchall()]
    return datetime.fromtimestamp(int(names[0].removeprefix(RECENT_INDEX)), tz=UTC) if names else None


def refresh_recent_index(using: str = "default", *, covered: int = RECENT_MESSAGES) -> str:
    """Give the newest `covered` public messages their own search index when there is none yet or the one
    there covers more than twice as many (by the planner's estimate); the older index is dropped after the
    new one is built. Built CONCURRENTLY (writes go on) unless inside a transaction. PostgreSQL only;
    returns what was done, in Chinese."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return "无需近期检索索引（仅 PostgreSQL 使用）。"
    since = recent_index_since(using)
    published = Message.objects.using(using).filter(public_live())
    if since is not None and _planned_rows(published.filter(published_at__gte=since)) <= 2 * covered:
        return f"近期检索索引仍然适用（自 {since:%Y-%m-%d %H:%M} UTC 起）。"
    newest = published.order_by("-published_at", "-id").values_list("published_at", flat=True)
    moment = newest[covered - 1 : covered].first()
    if moment is None:
        return "公开留言不足，暂不建立近期检索索引。"
    moment = moment.replace(microsecond=0)
    name = f"{RECENT_INDEX}{int(moment.timestamp())}"
    concurrently = "" if connection.in_atomic_block else "CONCURRENTLY "
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON board_message USING GIN (search_vector) "
            f"WHERE published_at >= %s",
            [moment],
        )
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'board_message' "
            "AND schemaname = current_schema() AND indexname LIKE %s AND indexname <> %s",
            [RECENT_INDEX + "%", name],
        )
        for (old,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX {concurrently}IF EXISTS {old}")
    forget_estimates()
    return f"已建立近期检索索引（自 {moment:%Y-%m-%d %H:%M} UTC 起的留言）。"
