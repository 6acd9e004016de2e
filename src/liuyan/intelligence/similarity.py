"""Similar and near-duplicate messages (DESIGN.md §6), found with MinHash and locality-sensitive hashing.

A message's title and body are normalised (NFKC, lower case, letters and digits only, greeting boilerplate
such as 尊敬的领导 / 您好 dropped) and cut into overlapping character bigrams. Its MinHash signature holds,
for each of NUM_PERM hash functions, the least hash over those shingles: two signatures agree in a
position with probability equal to the Jaccard similarity of the two shingle sets. The signature is cut
into BANDS bands of ROWS rows; each band is hashed to one 64-bit key and stored in an indexed table
(`SimilarityBand`). A query computes the signature of its text, looks up messages sharing any band key
(one indexed `key IN (…)` query), and ranks those candidates by the share of signature positions they
agree on, i.e. their estimated Jaccard similarity. Nothing scans all messages.

With 42 bands of 3 rows, a message with Jaccard similarity 0.5 to the query is a candidate with
probability 0.995, one at 0.3 with 0.68, one at 0.2 with 0.29, while an unrelated one (about 0.02 on this
data) almost never is; the bench (bench/similar.py) measures recall and latency.

The hashing is numpy, the same universal hashing as `datasketch.MinHash` ((a·x + b) mod 2^61−1, low 32
bits) but vectorised over the shingles, which are packed code points (no per-shingle Python hashing).
"""

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from liuyan.accounts.choices import Permission
from liuyan.accounts.scope import can, restrict
from liuyan.board.choices import MERGEABLE_STATES, MessageState
from liuyan.board.models import Message
from liuyan.board.privacy import mask_text
from liuyan.board.selectors import REPLIED_STATES, public_messages
from liuyan.core.text import normalise_text
from liuyan.directory.models import Region
from liuyan.intelligence.masking import drop_personal_data
from liuyan.intelligence.models import SimilarityBand, SimilaritySignature, SimilarityTitleKey

NUM_PERM = 128
# 42 bands of 3 rows use 126 of the 128 positions (bench/similar.py compares 32×4, 42×3, 64×2).
BANDS, ROWS = 42, 3
SHINGLE = 2
# Bump when the normalisation, shingles or hashing change: older signatures are then rebuilt by
# `liuyan index_similarity --missing`.
VERSION = 3

# Estimated Jaccard similarity from which a message is shown as similar, and called a near-duplicate.
SIMILAR_MIN = 0.2
NEAR_DUPLICATE_MIN = 0.6
# At most this many candidates (those sharing the most bands) are ranked per query.
MAX_CANDIDATES = 200
# Texts shorter than this (after normalisation) have too few shingles to compare meaningfully.
MIN_CHARS = 8

# Greetings and sign-offs most messages share; they say nothing about the matter.
BOILERPLATE = re.compile(
    "|".join(
        [
            "尊敬的[^，,。:：！!\\s]{0,8}?(?:领导|书记|市长|县长|区长|省长|主任|局长|同志)",
            "领导(?:您|你)好",
            "(?:您|你)们?好",
            "此致敬礼",
            "谢谢(?:领导|您|你)?",
            "麻烦(?:领导|您|你)了",
            "望(?:领导)?(?:尽快|早日)?(?:解决|处理|回复)为盼",
            "盼复",
        ]
    )
)
_NOT_WORD = re.compile(r"[\W_]+")

_MERSENNE = np.uint64((1 << 61) - 1)
_LOW32 = np.uint64(0xFFFFFFFF)
_rng = np.random.RandomState(20201)  # fixed: signatures must be comparable across processes and releases
_A = _rng.randint(1, 1 << 61, size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, 1 << 61, size=NUM_PERM, dtype=np.uint64)
_BAND_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)


def compared_text(text: str) -> str:
    """The text as compared: personal data dropped (two messages sharing a phone number are not alike for
    that), NFKC, lower case, boilerplate dropped, letters and digits only."""
    text = drop_personal_data(text)
    text = normalise_text(text, fold_width=True).lower()
    text = BOILERPLATE.sub(" ", text)
    return _NOT_WORD.sub("", text)


def message_text(title: str, body: str) -> str:
    return f"{title or ''}\n{body or ''}"


# Words that vary between two wordings of one request: 关于延长课后服务时间的建议 is 建议延长课后服务时间.
TITLE_FILLER = re.compile(
    "关于|有关|的|了|一下|问题|事宜|情况|建议|请求|恳请|希望|要求|呼吁|反映|咨询|投诉|举报|请问|能否|可否|是否|尽快"
    "|请|我们|我|本人"
)
# A title (or a sentence of a body) keyed for the title index must keep this many characters once normalised;
# a body gives at most BODY_SENTENCES sentences of up to TITLE_MAX characters (titles are restated early).
TITLE_MIN, TITLE_MAX, BODY_SENTENCES = 5, 40, 12
_SENTENCE_END = re.compile(r"[。！？!?；;\n\r，,：:]+")


def title_core(text: str) -> str:
    """A title as the title index compares it: compared_text without the words of TITLE_FILLER."""
    return TITLE_FILLER.sub("", compared_text(text))


def _key_of(core: str) -> int:
    return int.from_bytes(hashlib.blake2b(core.encode(), digest_size=8).digest(), "big", signed=True)


def title_key(title: str) -> int | None:
    """The title's key in the title index; None for a title too short to tell anything apart."""
    core = title_core(title)
    return _key_of(core) if len(core) >= TITLE_MIN else None


def body_keys(body: str, *, limit: int | None = BODY_SENTENCES) -> list[int]:
    """Keys of the body's title-sized sentences (the first `limit` of them; None: all), in order."""
    keys = []
    for sentence in _SENTENCE_END.split(body or ""):
        core = title_core(sentence)
        if TITLE_MIN <= len(core) <= TITLE_MAX:
            key = _key_of(core)
            if key not in keys:
                keys.append(key)
                if limit is not None and len(keys) == limit:
                    break
    return keys


def _mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: spreads packed code points over 64 bits (wrapping arithmetic intended)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the distinct character SHINGLE-grams of the normalised text."""
    chars = np.frombuffer(compared_text(text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(chars) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    packed = chars[: len(chars) - SHINGLE + 1].copy()
    for offset in range(1, SHINGLE):
        packed = (packed << np.uint64(21)) | chars[offset : len(chars) - SHINGLE + 1 + offset]
    return np.unique(_mix64(packed) & _LOW32)


def signature_of(text: str) -> np.ndarray | None:
    """The MinHash signature (NUM_PERM uint32) of the text; None when it is too short to compare."""
    hashes = shingle_hashes(text)
    if len(hashes) < MIN_CHARS - SHINGLE + 1:
        return None
    with np.errstate(over="ignore"):
        permuted = (np.outer(hashes, _A) + _B) % _MERSENNE & _LOW32
    return permuted.min(axis=0).astype(np.uint32)


def band_keys(signature: np.ndarray) -> list[int]:
    """One signed 64-bit key per band: its number and its ROWS values, hashed together."""
    rows = signature[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    key = _BAND_SALT.copy()
    for row in range(ROWS):
        key = _mix64(key ^ rows[:, row])
    return key.view(np.int64).tolist()


def _to_bytes(signature: np.ndarray) -> bytes:
    return signature.astype("<u4").tobytes()


def _from_bytes(data) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")


# ---- Keeping the index current ----------------------------------------------------------------------


def _rows_for(message_id: int, signature: np.ndarray) -> tuple[SimilaritySignature, list[SimilarityBand]]:
    record = SimilaritySignature(
        message_id=message_id, signature=_to_bytes(signature), version=VERSION, indexed_at=timezone.now()
    )
    bands = [
        SimilarityBand(message_id=message_id, band=band, key=key)
        for band, key in enumerate(band_keys(signature))
    ]
    return record, bands


def _title_rows(message_id: int, title: str, body: str) -> list[SimilarityTitleKey]:
    own = title_key(title)
    rows = [] if own is None else [SimilarityTitleKey(message_id=message_id, key=own)]
    return rows + [
        SimilarityTitleKey(message_id=message_id, key=key, in_body=True)
        for key in body_keys(body)
        if key != own
    ]


# No savepoint: inside submit_message this joins its transaction at no extra cost.
@transaction.atomic(savepoint=False)
def index_message(message: Message, *, fresh: bool = False) -> bool:
    """(Re)index one message; idempotent. `fresh`: the message was just created, nothing to replace.
    Returns whether it is indexed (a text too short to compare is left out)."""
    signature = signature_of(message_text(message.title, message.body))
    if not fresh:
        SimilarityBand.objects.filter(message_id=message.pk).delete()
        SimilaritySignature.objects.filter(message_id=message.pk).delete()
        SimilarityTitleKey.objects.filter(message_id=message.pk).delete()
    SimilarityTitleKey.objects.bulk_create(_title_rows(message.pk, message.title, message.body))
    if signature is None:
        return False
    SimilaritySignature.objects.create(
        message_id=message.pk, signature=_to_bytes(signature), version=VERSION, indexed_at=timezone.now()
    )
    _insert_bands(message.pk, band_keys(signature))
    return True


def _insert_bands(message_id: int, keys: list[int]) -> None:
    """One message's band rows in one statement, without building a model instance per row: this runs in
    every submission, where the ORM's bulk_create of 42 objects cost more CPU than the rest of indexing."""
    ops = connection.ops
    table = ops.quote_name(SimilarityBand._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in (SimilarityBand.message.field, _BAND, _KEY))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "
                "SELECT %s, b, k FROM UNNEST(%s::smallint[], %s::bigint[]) AS t(b, k)",
                [message_id, list(range(len(keys))), keys],
            )
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s)",
                [(message_id, band, key) for band, key in enumerate(keys)],
            )


_BAND, _KEY = SimilarityBand._meta.get_field("band"), SimilarityBand._meta.get_field("key")


def index_all(
    *, missing_only: bool = False, batch_size: int = 500, progress: Callable[[int, int], None] | None = None
) -> int:
    """Index every message (or only those without a current signature), in batches by id, one transaction
    per batch. `progress(done, total)` is called after each batch. Returns how many were indexed."""
    messages = Message.objects.all()
    if missing_only:
        current = SimilaritySignature.objects.filter(version=VERSION).values("message_id")
        messages = messages.exclude(pk__in=current)
    total = messages.count()
    done = indexed = last_id = 0
    while True:
        batch = list(
            messages.filter(pk__gt=last_id).order_by("pk").values_list("pk", "title", "body")[:batch_size]
        )
        if not batch:
            return indexed
        records, bands, titles = [], [], []
        for pk, title, body in batch:
            titles.extend(_title_rows(pk, title, body))
            signature = signature_of(message_text(title, body))
            if signature is not None:
                record, rows = _rows_for(pk, signature)
                records.append(record)
                bands.extend(rows)
        ids = [pk for pk, _title, _body in batch]
        with transaction.atomic():
            SimilarityBand.objects.filter(message_id__in=ids).delete()
            SimilaritySignature.objects.filter(message_id__in=ids).delete()
            SimilarityTitleKey.objects.filter(message_id__in=ids).delete()
            SimilaritySignature.objects.bulk_create(records)
            SimilarityBand.objects.bulk_create(bands, batch_size=2000)
            SimilarityTitleKey.objects.bulk_create(titles, batch_size=2000)
        indexed += len(records)
        done += len(batch)
        last_id = batch[-1][0]
        if progress is not None:
            progress(done, total)


# ---- Queries ------------------------------------------------------------------------------------------


class Match:
    """How a similar message was found, in the order they are listed: the same title, the same title in
    other words, a title that is a sentence of the other's body, then shared wording (MinHash)."""

    SAME_TITLE = "same_title"
    NEAR_TITLE = "near_title"
    TITLE_IN_BODY = "title_in_body"
    OVERLAP = "overlap"
    ORDER = (SAME_TITLE, NEAR_TITLE, TITLE_IN_BODY, OVERLAP)
    LABELS = {
        SAME_TITLE: "标题相同",
        NEAR_TITLE: "标题几乎相同",
        TITLE_IN_BODY: "标题与正文相同",
        OVERLAP: "内容相似",
    }


@dataclass(frozen=True)
class SimilarHit:
    """A message similar to a text, with its estimated Jaccard similarity and how it was found."""

    message: Message
    score: float
    near_duplicate: bool
    match: str = Match.OVERLAP

    @property
    def match_label(self) -> str:
        return Match.LABELS[self.match]


# Band keys and message ids per query: well under every database's limit on parameters.
IN_CHUNK = 2000


def _rank(
    signatures: Sequence[np.ndarray | None],
    queryset: QuerySet[Message],
    *,
    exclude_id: int | None,
    limit: int,
    min_score: float,
    related: Iterable[str],
) -> list[list[SimilarHit]]:
    """For each signature, the messages of `queryset` most similar to it: the MAX_CANDIDATES sharing the
    most bands (ties: the newest id) are ranked by the share of equal MinHash values. A batch costs three
    kinds of query whatever its size: bands, candidate signatures, chosen messages."""
    wanted = {i: band_keys(signature) for i, signature in enumerate(signatures) if signature is not None}
    holders: dict[int, list[int]] = defaultdict(list)  # band key -> ids of the messages that have it
    keys = sorted({key for band in wanted.values() for key in band})
    for chunk in _chunks(keys):
        bands = SimilarityBand.objects.filter(key__in=chunk)
        if exclude_id is not None:
            bands = bands.exclude(message_id=exclude_id)
        for key, message_id in bands.values_list("key", "message_id"):
            holders[key].append(message_id)
    candidates = {}
    for i, band in wanted.items():
        shared = Counter(message_id for key in band for message_id in holders.get(key, ()))
        best = sorted(shared.items(), key=lambda pair: (-pair[1], -pair[0]))[:MAX_CANDIDATES]
        candidates[i] = [message_id for message_id, _count in best]
    stored = {}
    for chunk in _chunks(sorted({m for ids in candidates.values() for m in ids})):
        rows = queryset.filter(pk__in=chunk, similarity_signature__version=VERSION).values_list(
            "pk", "similarity_signature__signature"
        )
        stored.update((pk, _from_bytes(data)) for pk, data in rows)
    chosen: dict[int, list[tuple[int, float]]] = {}
    for i, ids in candidates.items():
        ids = [message_id for message_id in ids if message_id in stored]
        if not ids:
            continue
        scores = (np.stack([stored[m] for m in ids]) == signatures[i]).mean(axis=1)
        order = [j for j in np.argsort(-scores, kind="stable") if scores[j] >= min_score][:limit]
        chosen[i] = [(ids[j], float(scores[j])) for j in order]
    wanted_ids = sorted({message_id for pairs in chosen.values() for message_id, _score in pairs})
    messages = {}
    for chunk in _chunks(wanted_ids):
        messages.update(Message.objects.select_related(*related).defer("search_tokens").in_bulk(chunk))
    return [
        [
            SimilarHit(messages[pk], round(score, 3), score >= NEAR_DUPLICATE_MIN)
            for pk, score in chosen.get(i, [])
            if pk in messages
        ]
        for i in range(len(signatures))
    ]


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def similar_messages(
    text: str,
    *,
    exclude_id: int | None = None,
    queryset: QuerySet[Message] | None = None,
    limit: int = 5,
    min_score: float = SIMILAR_MIN,
    related: Iterable[str] = ("region",),
) -> list[SimilarHit]:
    """Messages of `queryset` (default: the public ones) similar to `text`, most similar first."""
    return similar_to_texts(
        [text], exclude_id=exclude_id, queryset=queryset, limit=limit, min_score=min_score, related=related
    )[0]


def similar_to_texts(
    texts: Sequence[str],
    *,
    exclude_id: int | None = None,
    queryset: QuerySet[Message] | None = None,
    limit: int = 5,
    min_score: float = SIMILAR_MIN,
    related: Iterable[str] = ("region",),
) -> list[list[SimilarHit]]:
    """`similar_messages` for each of many texts, in a few queries for them all."""
    return _rank(
        [signature_of(text) for text in texts],
        public_messages() if queryset is None else queryset,
        exclude_id=exclude_id,
        limit=limit,
        min_score=min_score,
        related=related,
    )


def _title_matches(
    title: str, body: str, queryset: QuerySet[Message], *, exclude_id: int | None, related: Iterable[str]
) -> list[tuple[Message, str]]:
    """Messages of `queryset` whose title is this title (in the same or other words), or a sentence of this
    body, or whose body has this title as a sentence, with how each matches: two indexed queries."""
    own = title_key(title)
    sentences = [key for key in body_keys(body, limit=None) if key != own][:IN_CHUNK]
    wanted = Q(key__in=sentences, in_body=False)  # not two bodies sharing a sentence: MinHash judges those
    if own is not None:
        wanted |= Q(key=own)
    elif not sentences:
        return []
    rows = SimilarityTitleKey.objects.filter(wanted)
    if exclude_id is not None:
        rows = rows.exclude(message_id=exclude_id)
    found: dict[int, str] = {}
    for message_id, key, in_body in rows.order_by("-message_id").values_list("message_id", "key", "in_body")[
        :MAX_CANDIDATES
    ]:
        match = Match.NEAR_TITLE if key == own and not in_body else Match.TITLE_IN_BODY
        if Match.ORDER.index(match) < Match.ORDER.index(found.get(message_id, Match.OVERLAP)):
            found[message_id] = match
    if not found:
        return []
    exact = compared_text(title)
    # Only messages indexed at this VERSION: their title keys were made the way these were.
    messages = (
        queryset.filter(pk__in=list(found), similarity_signature__version=VERSION)
        .select_related(*related, "similarity_signature")
        .defer("search_tokens")
    )
    return [
        (
            m,
            Match.SAME_TITLE
            if found[m.pk] == Match.NEAR_TITLE and compared_text(m.title) == exact
            else found[m.pk],
        )
        for m in messages
    ]


def _titles_first(
    title: str,
    body: str,
    signature: np.ndarray | None,
    overlaps: list[SimilarHit],
    queryset: QuerySet[Message],
    *,
    exclude_id: int | None,
    limit: int,
    related: Iterable[str],
) -> list[SimilarHit]:
    """The title matches first (same title, then in other words, then title in body; each by similarity),
    then the MinHash overlaps not among them, `limit` in all."""
    matches = _title_matches(title, body, queryset, exclude_id=exclude_id, related=related)
    if not matches:
        return overlaps[:limit]
    overlap_scores = {hit.message.pk: hit.score for hit in overlaps}
    titled = []
    for message, match in matches:
        if message.pk in overlap_scores:
            score = overlap_scores[message.pk]
        elif signature is not None:
            score = round(float((_from_bytes(message.similarity_signature.signature) == signature).mean()), 3)
        else:
            score = 0.0
        near = match in (Match.SAME_TITLE, Match.NEAR_TITLE) or score >= NEAR_DUPLICATE_MIN
        titled.append(SimilarHit(message, score, near, match))
    titled.sort(key=lambda hit: (Match.ORDER.index(hit.match), -hit.score, -hit.message.pk))
    shown = {hit.message.pk for hit in titled}
    return (titled + [hit for hit in overlaps if hit.message.pk not in shown])[:limit]


def similar_public(
    title: str, body: str, *, region: Region | None = None, limit: int = 5
) -> list[SimilarHit]:
    """What a citizen writing this title and body is shown: public, published, visible messages (in the
    region's subtree when given), not those merged into another; those with the same title, or whose title
    and body match this one's the other way round, first."""
    messages = public_messages()
    if region is not None:
        messages = messages.filter(region__path__startswith=region.path)
    signature = signature_of(message_text(title, body))
    overlaps = _rank(
        [signature], messages, exclude_id=None, limit=limit, min_score=SIMILAR_MIN, related=("region",)
    )[0]
    return _titles_first(
        title, body, signature, overlaps, messages, exclude_id=None, limit=limit, related=("region",)
    )


def staff_candidates(user) -> QuerySet[Message]:
    """The messages a staff user is shown as similar: those in their VIEW scope, not merged into another."""
    return restrict(Message.objects.filter(merged_into=None), user, Permission.VIEW)


def similar_for_staff(user, message: Message, *, limit: int = 8) -> list[SimilarHit]:
    """Messages in `user`'s scope similar to `message` (not itself), from its stored signature when
    current (computed from its text otherwise). A near-duplicate must also be about the same place: the
    same region, or one containing the other (a citizen writing to both the county and the city); the
    same words about a neighbouring county's street are a similar message, not a copy of this one."""
    stored = (
        SimilaritySignature.objects.filter(message_id=message.pk, version=VERSION)
        .values_list("signature", flat=True)
        .first()
    )
    signature = (
        _from_bytes(stored) if stored is not None else signature_of(message_text(message.title, message.body))
    )
    candidates, related = staff_candidates(user), ("region", "unit")
    overlaps = (
        []
        if signature is None
        else _rank(
            [signature],
            candidates,
            exclude_id=message.pk,
            limit=limit,
            min_score=SIMILAR_MIN,
            related=related,
        )[0]
    )
    hits = _titles_first(
        message.title,
        message.body,
        signature,
        overlaps,
        candidates,
        exclude_id=message.pk,
        limit=limit,
        related=related,
    )
    return [hit if _same_place(message, hit.message) else replace(hit, near_duplicate=False) for hit in hits]


def _signatures(messages: Sequence[Message]) -> dict[int, np.ndarray]:
    """The current signatures of these messages: stored ones, the rest computed from their text (one
    query each way); a text too short to compare has none."""
    ids = [m.pk for m in messages]
    found = {
        pk: _from_bytes(data)
        for pk, data in SimilaritySignature.objects.filter(message_id__in=ids, version=VERSION).values_list(
            "message_id", "signature"
        )
    }
    missing = [pk for pk in ids if pk not in found]
    for pk, title, body in Message.objects.filter(pk__in=missing).values_list("pk", "title", "body"):
        signature = signature_of(message_text(title, body))
        if signature is not None:
            found[pk] = signature
    return found


def rank_by_similarity(message: Message, candidates: Sequence[Message]) -> list[tuple[Message, float]]:
    """`candidates` with their estimated similarity to `message` (0–1), most similar first; equal scores
    keep the order given (a text too short to compare scores 0). Two queries for the signatures, however
    many candidates."""
    signatures = _signatures([message, *candidates])
    own = signatures.get(message.pk)
    scored = [
        (m, float((signatures[m.pk] == own).mean()) if own is not None and m.pk in signatures else 0.0)
        for m in candidates
    ]
    return sorted(scored, key=lambda pair: -pair[1])


def _same_place(one: Message, other: Message) -> bool:
    if one.region is None or other.region is None:  # a ministry's message naming no place: its desk decides
        return one.desk_id == other.desk_id
    return one.region.is_within(other.region) or other.region.is_within(one.region)


def may_merge(user, message: Message, into: Message) -> bool:
    """Whether the workbench offers to merge `message` into `into` (dispatch.merge_messages checks again)."""
    for each in (message, into):
        if each.merged_into_id or each.state not in MERGEABLE_STATES:
            return False
        if not (can(user, Permission.ASSIGN, each) or can(user, Permission.MODERATE, each)):
            return False
    return True


def public_payload(hit: SimilarHit) -> dict:
    """A hit as the public sees it: masked title, state, whether it has a public reply, its page."""
    message = hit.message
    return {
        "id": message.pk,
        "serial": message.serial,
        "title": mask_text(message.title),
        "score": hit.score,
        "near_duplicate": hit.near_duplicate,
        "match": hit.match,
        "match_label": hit.match_label,
        "state": message.state,
        "state_label": MessageState(message.state).label,
        "replied": message.state in REPLIED_STATES,
        "url": reverse("web:message-detail", args=[message.pk]),
    }
