"""Keeping the count tables (`DailyCount`) current, and rebuilding them from the messages.

What a row counts (each figure on the local day, Asia/Shanghai, of its own event, under the message's
current region, unit, leader, domain, type and campaign):

- received 收到留言: messages submitted that day (`created_at`), whatever became of them;
- published 留言量: messages published that day (`published_at`), hidden and private ones included (they are
  still handled; the tables hold figures, never a message's detail);
- assigned 交办: messages whose (latest) assignment was that day (`assigned_at`);
- replied 回复量: messages whose reply was published that day (`replied_at`, the latest published reply);
- replied_on_time 按期回复: of those, `replied_at <= reply_deadline`; a message that never had a deadline
  (a duplicate answered with the message it was merged into) counts as on time: it missed nothing;
- overdue 超期未回复: messages with a reply deadline and no reply, on the day of the deadline
  (`reply_deadline`). The row of a day holds them before the day is over, as time passes without an
  event to count it by: reports/figures.py reads the figure only for the days that are over. The
  reply takes the message out of its deadline's day (into `replied` of the reply's day), so a
  message counts once, rebuilt or not;
- response_seconds 回复用时: whole seconds from submission (`created_at`, the citizen's wait) to the reply,
  summed; the average is response_seconds / replied;
- closed 办结: messages closed that day (`closed_at`);
- rated, resolution_sum, attitude_sum, speed_sum, satisfied 评价: each message's latest rating only, on the
  day it was given; satisfied 满意 when its mean of 解决程度, 办理态度, 办理速度 is at least 4;
- revisit_base 应回访: messages that call for a 回访 — closed ones, on the day they closed, and those awaiting
  one after an unhappy rating (`Message.awaiting_revisit`), on the day of that rating; revisited 已回访: of
  those, the ones with at least one revisit, on the same day (so 回访率 = revisited / revisit_base is the
  share of a period's cohort revisited so far, never above 100%);
- revisits, revisits_satisfied 回访: each revisit on the day it happened (`Revisit.at`), and those whose
  citizen was satisfied or basically satisfied.

A message counts into its own region and every ancestor, so a region's row is its subtree's rollup, and
into the national row (key ""). Domain rows use the message's own domain: a parent's figures are the sum
over its subtree, done on reading (reports/stats.py).

How the rows stay current: every change of a message goes through the board's actions, and the ones that
change what a message counts for announce it (the board's `changing(message)`; `transition()` does it for
every state change), which enters `counting(message)` (connected in reports/subscribers.py): it takes
the message's contribution before and after, and adds the difference to the rows in one upsert, in the
action's own transaction. So the tables are exact at every commit, with no task to lag or to lose,
and an action that changes no figure costs no query. Anything that changes messages behind the actions'
back (bulk imports, the demo's re-dating, edits in the admin, a region moved to another parent) must call
`rebuild_counts(start, end)` for the days it touched.

One figure may come later: a submission through the API has its `received` added by a task, off the request
path, where the hot rows of the day (the nation's, its region's) would queue every submission behind
each other's commit. Until the task runs, an `UncountedSubmission` row says so; once the task queue has
drained, the tables are exact again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, Exists, F, Func, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from liuyan.board.choices import SATISFIED_OUTCOMES
from liuyan.board.models import Message, Rating, Revisit
from liuyan.directory.catalogue import level_of
from liuyan.directory.choices import RegionLevel
from liuyan.directory.models import Region
from liuyan.reports.choices import Dimension
from liuyan.reports.models import METRICS, DailyCount, UncountedSubmission

logger = logging.getLogger(__name__)

SATISFIED_SUM = 12  # resolution + attitude + speed; a mean of at least 4
INDEX = {name: i for i, name in enumerate(METRICS)}
RowKey = tuple[str, str, date]  # (dimension, key, day)
Contribution = dict[RowKey, list[int]]


# ---------------------------------------------------------------------------------------------------------
# One message's contribution, and applying the difference


def region_codes(path: str) -> list[str]:
    """The codes of a region and its ancestors, from its materialised path ("530000/530900/530923/"); none
    from "" (a ministry's message that names no place)."""
    return [code for code in path.split("/") if code]


def message_region_path(message: Message) -> str:
    """The path of the region a message concerns; "" for none (a message to a central department may name
    no place: it counts under its leader, and so its department, and nationally)."""
    return message.region.path if message.region_id else ""


def _keys(
    codes: list[str], *, domain: int, kind: int, unit: int | None, leader: int, campaign: int | None
) -> list[tuple[str, str]]:
    keys = [
        (Dimension.NATIONAL.value, ""),
        (Dimension.DOMAIN.value, str(domain)),
        (Dimension.TYPE.value, str(kind)),
        (Dimension.LEADER.value, str(leader)),
    ]
    if unit is not None:
        keys.append((Dimension.UNIT.value, str(unit)))
    if campaign is not None:
        keys.append((Dimension.CAMPAIGN.value, str(campaign)))
    for code in codes:
        keys.append((Dimension.REGION.value, code))
        if splits_by_domain_and_type(code):
            keys.append((Dimension.REGION_DOMAIN.value, f"{code}:{domain}"))
            keys.append((Dimension.REGION_TYPE.value, f"{code}:{kind}"))
    return keys


def splits_by_domain_and_type(code: str) -> bool:
    """Region × domain and region × type rows are kept for provinces and prefectures only: for the
    thousands of counties and townships they would multiply the table for little use, and their breakdown
    is read from their few messages instead (stats.breakdown)."""
    return level_of(code) in {RegionLevel.PROVINCE, RegionLevel.PREFECTURE}


def latest_rating(message: Message) -> Rating | None:
    """The rating that counts for `message`: its latest. Only a replied message can have one."""
    if message.replied_at is None:
        return None
    return Rating.objects.filter(message_id=message.pk).order_by("-created_at", "-id").first()


def revisits_of(message: Message) -> list[tuple[datetime, bool]]:
    """When each revisit of `message` happened, and whether its citizen was satisfied. A revisit follows a
    reply: a message never replied to costs no query."""
    if message.replied_at is None:
        return []
    return [
        (at, outcome in SATISFIED_OUTCOMES)
        for at, outcome in Revisit.objects.filter(message_id=message.pk).values_list("at", "outcome")
    ]


def response_seconds(message: Message) -> int:
    return max(0, (message.replied_at - message.created_at) // timedelta(seconds=1))


def contribution(
    message: Message, rating: Rating | None, revisits: list[tuple[datetime, bool]] = ()
) -> Contribution:
    """What `message` (with its latest `rating` and its `revisits`) adds to the count tables, row by row."""
    figures: dict[date, list[int]] = defaultdict(lambda: [0] * len(METRICS))

    def add(at: datetime | None, **values: int) -> None:
        if at is not None:
            row = figures[timezone.localdate(at)]
            for name, value in values.items():
                row[INDEX[name]] += value

    add(message.created_at, received=1)
    add(message.published_at, published=1)
    add(message.assigned_at, assigned=1)
    if message.replied_at is not None:
        on_time = message.reply_deadline is None or message.replied_at <= message.reply_deadline
        seconds = response_seconds(message)
        add(message.replied_at, replied=1, replied_on_time=int(on_time), response_seconds=seconds)
    else:
        add(message.reply_deadline, overdue=1)
    add(message.closed_at, closed=1)
    if rating is not None:
        total = rating.resolution + rating.attitude + rating.speed
        add(
            rating.created_at,
            rated=1,
            resolution_sum=rating.resolution,
            attitude_sum=rating.attitude,
            speed_sum=rating.speed,
            satisfied=int(total >= SATISFIED_SUM),
        )
    if message.closed_at is not None:
        add(message.closed_at, revisit_base=1, revisited=int(bool(revisits)))
    elif message.awaiting_revisit and rating is not None:
        add(rating.created_at, revisit_base=1, revisited=int(bool(revisits)))
    for at, satisfied in revisits:
        add(at, revisits=1, revisits_satisfied=int(satisfied))
    keys = _keys(
        region_codes(message_region_path(message)),
        domain=message.domain_id,
        kind=message.message_type_id,
        unit=message.unit_id,
        leader=message.leader_id,
        campaign=message.campaign_id,
    )
    return {(dimension, key, day): values for day, values in figures.items() for dimension, key in keys}


def _difference(before: Contribution, after: Contribution) -> Contribution:
    delta: Contribution = {}
    for row in before.keys() | after.keys():
        old, new = before.get(row), after.get(row)
        if old is None:
            change = list(new)
        elif new is None:
            change = [-value for value in old]
        else:
            change = [b - a for a, b in zip(old, new, strict=True)]
        if any(change):
            delta[row] = change
    return delta


def add_to_rows(delta: Contribution) -> None:
    """Add `delta` to the rows in one upsert. Rows are written in key order, so that two transactions
    touching the same rows (the national row of today, always) lock them in the same order."""
    if not delta:
        return
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    columns = ["dimension", "key", "day", *METRICS]
    quoted = [connection.ops.quote_name(column) for column in columns]
    updates = ", ".join(f"{q} = {table}.{q} + excluded.{q}" for q in quoted[3:])
    rows = sorted(delta.items())
    if connection.vendor == "postgresql":
        # One array per column: the statement's text is the same for any number of rows, so the driver
        # parses it once per process instead of once per call.
        fields = [DailyCount._meta.get_field(column) for column in columns]
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
        source = f"SELECT * FROM UNNEST({arrays})"
        params = [list(column) for column in zip(*(row + tuple(values) for row, values in rows), strict=True)]
    else:
        placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
        source = "VALUES " + ", ".join([placeholders] * len(rows))
        params = []
        for (dimension, key, day), values in rows:
            params += [dimension, key, connection.ops.adapt_datefield_value(day), *values]
    sql = (
        f"INSERT INTO {table} ({', '.join(quoted)}) {source} "
        f"ON CONFLICT ({', '.join(quoted[:3])}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def counting(message: Message, *, rerate: bool = False, revisit: bool = False) -> Iterator[None]:
    """Bring the count tables along with whatever the block changes on `message` (in memory and saved).

    The message's latest rating and its revisits are read once, before; pass `rerate=True` when the block
    adds a rating, `revisit=True` when it adds a revisit. Do not nest: an inner block's change would be
    counted twice.
    """
    rating, revisits = latest_rating(message), revisits_of(message)
    before = contribution(message, rating, revisits)
    yield
    after = contribution(
        message,
        latest_rating(message) if rerate else rating,
        revisits_of(message) if revisit else revisits,
    )
    add_to_rows(_difference(before, after))


def count_new(message: Message) -> None:
    """Count a message just created (it has no rating yet)."""
    add_to_rows(contribution(message, None))


def count_new_later(message: Message) -> None:
    """Note a message just created as not yet counted: `count_noted` adds it, in the submission's task.
    (`count_new` counted it at once.) One plain insert, in the submission's transaction."""
    _insert_uncounted(
        [
            message.pk,
            connection.ops.adapt_datefield_value(timezone.localdate(message.created_at)),
            message_region_path(message),
            message.domain_id,
            message.message_type_id,
            message.leader_id,
            message.unit_id,
            message.campaign_id,
        ]
    )


def _insert_uncounted(values: list) -> None:
    meta = UncountedSubmission._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(values))})", values)


def count_noted(message_id: int) -> bool:
    """Add the `received` of a message noted by `count_new_later`, under what it counted for when it was
    submitted, and forget the note; False when there is none (counted already). Call it in a transaction:
    the note goes with the figure, so a task run twice counts once."""
    noted = UncountedSubmission.objects.select_for_update().filter(message_id=message_id).first()
    if noted is None:
        return False
    noted.delete()
    received = [0] * len(METRICS)
    received[INDEX["received"]] = 1
    add_to_rows({(dimension, key, noted.day): list(received) for dimension, key in _noted_keys(noted)})
    return True


def count_noted_batch(limit: int) -> list[int]:
    """`count_noted` for up to `limit` noted messages at once, in one upsert, skipping notes another
    transaction holds; returns their ids. Call it in a transaction."""
    notes = list(
        UncountedSubmission.objects.select_for_update(skip_locked=True).order_by("message_id")[:limit]
    )
    if not notes:
        return []
    ids = [noted.message_id for noted in notes]
    UncountedSubmission.objects.filter(message_id__in=ids).delete()
    delta: Contribution = defaultdict(lambda: [0] * len(METRICS))
    for noted in notes:
        for dimension, key in _noted_keys(noted):
            delta[(dimension, key, noted.day)][INDEX["received"]] += 1
    add_to_rows(dict(delta))
    return ids


def _noted_keys(noted: UncountedSubmission) -> list[tuple[str, str]]:
    return _keys(
        region_codes(noted.region_path),
        domain=noted.domain_id,
        kind=noted.message_type_id,
        unit=noted.unit_id,
        leader=noted.leader_id,
        campaign=noted.campaign_id,
    )


# ---------------------------------------------------------------------------------------------------------
# Rebuilding from the messages, set-based


class ResponseSeconds(Func):
    """Whole seconds from `created_at` to `replied_at`, never negative (as `response_seconds` in Python)."""

    output_field = BigIntegerField()

    def __init__(self, prefix: str = ""):
        super().__init__(F(f"{prefix}replied_at"), F(f"{prefix}created_at"))

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="GREATEST(FLOOR(EXTRACT(EPOCH FROM (%(expressions)s))), 0)::bigint",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django's SQLite function: the difference in microseconds, as an integer.
        return self.as_sql(
            compiler, connection, template="MAX(django_timestamp_diff(%(expressions)s) / 1000000, 0)", **extra
        )


ON_TIME = Q(reply_deadline__isnull=True) | Q(replied_at__lte=F("reply_deadline"))


def _latest_ratings():
    later = Rating.objects.filter(message=OuterRef("message")).filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    return Rating.objects.filter(~Exists(later))


def _revisit_families():
    """The 回访 figures: the messages calling for a revisit (closed, or awaiting one after their latest,
    unhappy rating) with those revisited, and the revisits themselves."""
    revisited = Exists(Revisit.objects.filter(message=OuterRef("pk")))
    return [
        (
            Message.objects.all(),
            "closed_at",
            "",
            {"revisit_base": Count("pk"), "revisited": Count("pk", filter=Q(revisited))},
        ),
        (
            _latest_ratings().filter(message__closed_at=None, message__awaiting_revisit=True),
            "created_at",
            "message__",
            {
                "revisit_base": Count("pk"),
                "revisited": Count(
                    "pk", filter=Q(Exists(Revisit.objects.filter(message=OuterRef("message"))))
                ),
            },
        ),
        (
            Revisit.objects.all(),
            "at",
            "message__",
            {
                "revisits": Count("pk"),
                "revisits_satisfied": Count("pk", filter=Q(outcome__in=sorted(SATISFIED_OUTCOMES))),
            },
        ),
    ]


# (queryset, the date field that picks the day, the prefix to the message's fields, the aggregates)
def _families():
    return [
        (Message.objects.all(), "created_at", "", {"received": Count("pk")}),
        (Message.objects.all(), "published_at", "", {"published": Count("pk")}),
        (Message.objects.all(), "assigned_at", "", {"assigned": Count("pk")}),
        (
            Message.objects.all(),
            "replied_at",
            "",
            {
                "replied": Count("pk"),
                "replied_on_time": Count("pk", filter=ON_TIME),
                "response_seconds": Sum(ResponseSeconds()),
            },
        ),
        (Message.objects.filter(replied_at=None), "reply_deadline", "", {"overdue": Count("pk")}),
        (Message.objects.all(), "closed_at", "", {"closed": Count("pk")}),
        (
            _latest_ratings().alias(total=F("resolution") + F("attitude") + F("speed")),
            "created_at",
            "message__",
            {
                "rated": Count("pk"),
                "resolution_sum": Sum("resolution"),
                "attitude_sum": Sum("attitude"),
                "speed_sum": Sum("speed"),
                "satisfied": Count("pk", filter=Q(total__gte=SATISFIED_SUM)),
            },
        ),
        *_revisit_families(),
    ]


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


KEY_FIELDS = ("region_id", "domain_id", "message_type_id", "unit_id", "leader_id", "campaign_id")


def _count_family(
    rows: Contribution, window, field: str, prefix: str, aggregates: dict, paths: dict[str, list[str]]
) -> None:
    """Add the aggregates of `window` (a family's rows in a span of days) into `rows`, under the keys the
    live counting uses. One query, grouped by the day and every field a row is keyed on: the messages of
    the span are read once per family (grouping by fewer fields in several queries reads them several
    times, which costs more at a million messages than adding the groups up here)."""
    for group in _grouped(window, field, prefix, aggregates):
        values = [(INDEX[name], group[name] or 0) for name in aggregates]
        region, domain, kind, unit, leader, campaign = (group[f"k{i}"] for i in range(len(KEY_FIELDS)))
        keys = _keys(
            paths[region] if region else [],
            domain=domain,
            kind=kind,
            unit=unit,
            leader=leader,
            campaign=campaign,
        )
        for dimension, key in keys:
            row = rows[(dimension, key, group["day"])]
            for index, value in values:
                row[index] += value


def _grouped(queryset, field: str, prefix: str, aggregates: dict):
    return (
        queryset.annotate(day=TruncDate(field))
        .values("day", **{f"k{i}": F(f"{prefix}{name}") for i, name in enumerate(KEY_FIELDS)})
        .annotate(**aggregates)
        .order_by()
    )


def _compute(start: date, end: date, paths: dict[str, list[str]]) -> Contribution:
    """The rows for days start..end (inclusive), from the messages and ratings."""
    rows: Contribution = defaultdict(lambda: [0] * len(METRICS))
    since, until = _local_midnight(start), _local_midnight(end + timedelta(days=1))
    for queryset, field, prefix, aggregates in _families():
        window = queryset.filter(**{f"{field}__gte": since, f"{field}__lt": until})
        _count_family(rows, window, field, prefix, aggregates, paths)
    # A message whose task has not run yet is in the tables without the `received` its task will add, where
    # its submission put it (its counted moves since then are in).
    for noted in UncountedSubmission.objects.filter(day__gte=start, day__lte=end):
        for dimension, key in _noted_keys(noted):
            rows[(dimension, key, noted.day)][INDEX["received"]] -= 1
    return rows


@transaction.atomic
def recount_overdue() -> None:
    """Recount 超期未回复 alone, on every day: for tables counted before the figure existed (migration
    reports 0004 runs it once). One query over the unanswered messages that have a deadline."""
    paths = {code: region_codes(path) for code, path in Region.objects.values_list("code", "path")}
    queryset, field, prefix, aggregates = next(family for family in _families() if "overdue" in family[3])
    rows: Contribution = defaultdict(lambda: [0] * len(METRICS))
    _count_family(rows, queryset.filter(reply_deadline__isnull=False), field, prefix, aggregates, paths)
    DailyCount.objects.exclude(overdue=0).update(overdue=0)
    add_to_rows(dict(rows))


@transaction.atomic
def recount_revisits() -> None:
    """Recount the 回访 figures alone, on every day: for tables counted before they existed (migration
    reports 0006 runs it once). One query per family over the closed, awaiting or revisited messages."""
    paths = {code: region_codes(path) for code, path in Region.objects.values_list("code", "path")}
    rows: Contribution = defaultdict(lambda: [0] * len(METRICS))
    for queryset, field, prefix, aggregates in _revisit_families():
        _count_family(rows, queryset.filter(**{f"{field}__isnull": False}), field, prefix, aggregates, paths)
    names = ("revisit_base", "revisited", "revisits", "revisits_satisfied")
    DailyCount.objects.exclude(**{name: 0 for name in names}).update(**{name: 0 for name in names})
    add_to_rows(dict(rows))


def _span() -> tuple[date, date] | None:
    """The first and last day on which anything was counted."""
    first = Message.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return None
    # A deadline comes after its message's submission, unless a date was edited behind the actions' back.
    earlier = Message.objects.filter(reply_deadline__lt=first).aggregate(deadline=Min("reply_deadline"))
    first = min(first, earlier["deadline"] or first)
    lasts = [
        Message.objects.filter(**{f"{field}__isnull": False})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
        for field in (
            "created_at",
            "published_at",
            "assigned_at",
            "replied_at",
            "reply_deadline",
            "closed_at",
        )
    ]
    lasts.append(Rating.objects.order_by("-created_at").values_list("created_at", flat=True).first())
    lasts.append(Revisit.objects.order_by("-at").values_list("at", flat=True).first())
    last = max(at for at in lasts if at is not None)
    return timezone.localdate(first), max(timezone.localdate(last), timezone.localdate(first))


# The rows a group of `_grouped` adds to, as `_keys` gives them: (dimension, key, the join that fans a group
# out to its rows). `g` is a group (k0…k5 in the order of KEY_FIELDS), `a` a row of its region's ancestors.
_ANCESTORS = "JOIN recount_ancestors a ON a.region = g.k0"
_FAN_OUT = [
    (Dimension.NATIONAL, "''", ""),
    (Dimension.DOMAIN, "g.k1::text", ""),
    (Dimension.TYPE, "g.k2::text", ""),
    (Dimension.LEADER, "g.k4::text", ""),
    (Dimension.UNIT, "g.k3::text", "WHERE g.k3 IS NOT NULL"),
    (Dimension.CAMPAIGN, "g.k5::text", "WHERE g.k5 IS NOT NULL"),
    (Dimension.REGION, "a.code", _ANCESTORS),
    (Dimension.REGION_DOMAIN, "a.code || ':' || g.k1::text", f"{_ANCESTORS} AND a.splits"),
    (Dimension.REGION_TYPE, "a.code || ':' || g.k2::text", f"{_ANCESTORS} AND a.splits"),
]


def _recount_in_postgresql(start: date, end: date, paths: dict[str, list[str]]) -> int:
    """Insert the rows for days start..end (inclusive; none there yet) as `_compute` makes them, with the
    fan-out done by PostgreSQL: each family's groups are joined to their region's ancestors and summed per
    row in the database, so nothing the size of the messages passes through Python. Returns the number of
    rows written. Call it in a transaction (its scratch tables go with it)."""
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    metrics = [connection.ops.quote_name(name) for name in METRICS]
    since, until = _local_midnight(start), _local_midnight(end + timedelta(days=1))
    with connection.cursor() as cursor:
        # Each chunk's groups and rows are sorted and hashed by the million: in memory, not spilt to disk.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("DROP TABLE IF EXISTS recount_ancestors, recount_rows")
        cursor.execute(
            "CREATE TEMPORARY TABLE recount_ancestors (region text, code text, splits boolean) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY recount_ancestors FROM STDIN") as copy:
            for region, codes in paths.items():
                for code in codes:
                    copy.write_row((region, code, splits_by_domain_and_type(code)))
        cursor.execute("ANALYZE recount_ancestors")
        columns = ", ".join(f"{name} bigint NOT NULL DEFAULT 0" for name in metrics)
        cursor.execute(
            f"CREATE TEMPORARY TABLE recount_rows (dimension text, key text, day date, {columns}) "
            "ON COMMIT DROP"
        )
        for queryset, field, prefix, aggregates in _families():
            window = queryset.filter(**{f"{field}__gte": since, f"{field}__lt": until})
            try:
                grouped, params = _grouped(window, field, prefix, aggregates).query.sql_with_params()
            except EmptyResultSet:
                continue
            names = [connection.ops.quote_name(name) for name in aggregates]
            values = ", ".join(f"COALESCE(g.{name}, 0) AS {name}" for name in names)
            fanned = " UNION ALL ".join(
                f"SELECT '{dimension.value}' AS dimension, {key} AS key, g.day, {values} FROM g {join}"
                for dimension, key, join in _FAN_OUT
            )
            sums = ", ".join(f"SUM({name})" for name in names)
            cursor.execute(
                f"WITH g AS MATERIALIZED ({grouped}) "
                f"INSERT INTO recount_rows (dimension, key, day, {', '.join(names)}) "
                f"SELECT rows.dimension, rows.key, rows.day, {sums} FROM ({fanned}) AS rows "
                "GROUP BY rows.dimension, rows.key, rows.day",
                params,
            )
        # A message whose task has not run yet, as in _compute.
        noted = list(UncountedSubmission.objects.filter(day__gte=start, day__lte=end))  # read before the COPY
        with cursor.cursor.copy("COPY recount_rows (dimension, key, day, received) FROM STDIN") as copy:
            for submission in noted:
                for dimension, key in _noted_keys(submission):
                    copy.write_row((str(dimension), key, submission.day, -1))
        cursor.execute(
            f"INSERT INTO {table} (dimension, key, day, {', '.join(metrics)}) "
            f"SELECT dimension, key, day, {', '.join(f'SUM({name})' for name in metrics)} FROM recount_rows "
            f"GROUP BY dimension, key, day HAVING {' OR '.join(f'SUM({name}) <> 0' for name in metrics)}"
        )
        return cursor.rowcount


# On PostgreSQL the groups are fanned out to their rows in the database (_recount_in_postgresql), whose
# memory does not grow with the chunk: a full rebuild there reads each family in a few large chunks, since
# a window on a date that has no index of its own (assigned_at, reply_deadline, closed_at) is a scan of the
# whole message table, whatever the chunk's length.
CHUNK_DAYS = 92
POSTGRESQL_CHUNK_DAYS = 366
INSERT_BATCH = 5000


def _insert(rows: list[tuple]) -> int:
    """Insert fresh rows with plain executemany: the ORM's bulk_create costs more per row than the whole
    recount, and SQLite would cut its batches to a few dozen rows."""
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("dimension", "key", "day", *METRICS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (3 + len(METRICS)))})"
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: an order of magnitude faster than executemany for the millions of rows of a full rebuild.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for dimension, key, day, *values in rows:
                    copy.write_row((str(dimension), key, day, *values))
            return len(rows)
        for first in range(0, len(rows), INSERT_BATCH):
            batch = rows[first : first + INSERT_BATCH]
            cursor.executemany(sql, [(str(d), k, adapt(day), *values) for d, k, day, *values in batch])
    return len(rows)


def rebuild_counts(
    start: date | None = None, end: date | None = None, *, chunk_days: int | None = None
) -> int:
    """Recount the rows of days `start`..`end` (inclusive; default: all) from the messages; return the
    number of rows written.

    Works a chunk of days at a time, each in its own transaction, so memory stays bounded on millions of
    messages. On PostgreSQL each chunk locks the table against writers while it recounts, so an action
    committing meanwhile adds its difference after the chunk, on top of the recount, and nothing is lost.
    """
    span = _span()
    if span is None:
        with transaction.atomic():
            deleted = DailyCount.objects.all()
            if start:
                deleted = deleted.filter(day__gte=start)
            if end:
                deleted = deleted.filter(day__lte=end)
            deleted.delete()
        return 0
    # Open ends reach past every row, including rows of days no event falls on any more (the demo re-dates
    # its history; an admin may edit a date).
    if start is None:
        start = span[0]
        DailyCount.objects.filter(day__lt=start).delete()
    if end is None:
        end = max(span[1], timezone.localdate())
        DailyCount.objects.filter(day__gt=end).delete()
    paths = {code: region_codes(path) for code, path in Region.objects.values_list("code", "path")}
    if chunk_days is None:
        chunk_days = POSTGRESQL_CHUNK_DAYS if connection.vendor == "postgresql" else CHUNK_DAYS
    written = 0
    chunk_start = start
    while chunk_start <= end:
        chunk_end = min(end, chunk_start + timedelta(days=chunk_days - 1))
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    table = connection.ops.quote_name(DailyCount._meta.db_table)
                    cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
                DailyCount.objects.filter(day__gte=chunk_start, day__lte=chunk_end).delete()
                chunk_rows = _recount_in_postgresql(chunk_start, chunk_end, paths)
            else:
                rows = _compute(chunk_start, chunk_end, paths)
                DailyCount.objects.filter(day__gte=chunk_start, day__lte=chunk_end).delete()
                chunk_rows = _insert([(*row, *values) for row, values in rows.items() if any(values)])
            written += chunk_rows
        logger.debug("Recounted %s to %s: %s rows.", chunk_start, chunk_end, chunk_rows)
        chunk_start = chunk_end + timedelta(days=1)
    _analyze()
    return written


def _analyze() -> None:
    """Refresh PostgreSQL's statistics of the table after a rebuild: until autovacuum comes by, the planner
    would plan with the sizes of before (after a first rebuild, an empty table) and pick a scan of a whole
    dimension's days for a ranking's few hundred keys (1.4 s instead of 14 ms for a prefecture's units at
    a million messages)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(DailyCount._meta.db_table)}")
