"""Count tables (统计表): one row of a day's figures per dimension member, read by every statistics page."""

from django.db import models

from liuyan.reports.choices import Dimension

# The figures a row holds, in the order the code writes them (reports/counts.py relies on it).
METRICS = (
    "received",
    "published",
    "assigned",
    "replied",
    "replied_on_time",
    "overdue",
    "closed",
    "response_seconds",
    "rated",
    "resolution_sum",
    "attitude_sum",
    "speed_sum",
    "satisfied",
    "revisit_base",
    "revisited",
    "revisits",
    "revisits_satisfied",
)
# The figures a ranking reads (reports/stats.py): the units' and regions' rows hold them in indexes of their
# own.
RANKED = (
    "published",
    "replied",
    "replied_on_time",
    "overdue",
    "closed",
    "response_seconds",
    "rated",
    "satisfied",
)


class DailyCount(models.Model):
    """One day's figures for one member of a dimension: the nation, a region (with its subtree), a unit,
    a leader, a domain, a message type or a campaign. Each figure is counted on the day of its own event."""

    dimension = models.CharField("维度", max_length=16, choices=Dimension.choices)
    key = models.CharField("对象", max_length=32, blank=True)
    day = models.DateField("日期")
    # Signed on purpose: a delta applied to rows gone stale (e.g. data loaded without a rebuild) must never
    # make an action fail; `rebuild_counts` puts such rows right.
    received = models.IntegerField("收到留言", default=0)
    published = models.IntegerField("刊发留言", default=0)
    assigned = models.IntegerField("交办", default=0)
    replied = models.IntegerField("回复", default=0)
    replied_on_time = models.IntegerField("按期回复", default=0)
    # A message with a reply deadline and no reply, on the deadline's day; read for days that are over only.
    overdue = models.IntegerField("超期未回复", default=0)
    closed = models.IntegerField("办结", default=0)
    response_seconds = models.BigIntegerField("回复用时合计（秒）", default=0)
    rated = models.IntegerField("评价", default=0)
    resolution_sum = models.IntegerField("解决程度合计", default=0)
    attitude_sum = models.IntegerField("办理态度合计", default=0)
    speed_sum = models.IntegerField("办理速度合计", default=0)
    satisfied = models.IntegerField("满意", default=0)
    # 回访 (reports/counts.py): the messages that call for one (closed, or awaiting one after an unhappy
    # rating) and those of them revisited, on the same day; each revisit and the satisfied ones on its day.
    revisit_base = models.IntegerField("应回访", default=0)
    revisited = models.IntegerField("已回访", default=0)
    revisits = models.IntegerField("回访次数", default=0)
    revisits_satisfied = models.IntegerField("回访满意", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "每日统计"
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key", "day"], name="dailycount_unique_key_day")
        ]
        # (dimension, key, day) range scans use the unique index; rankings over all members of a
        # dimension in a period use the first below.
        indexes = [
            models.Index(fields=["dimension", "day"], name="dailycount_dimension_day"),
            # Rankings over a period (reports/stats.py): a province's thousands of units, a region's
            # children, the provinces. Each member has a row per day scattered over the table's pages; these
            # indexes hold what a ranking sums, so it is read from the index alone (Yunnan's 3,082 units over
            # a year at a million messages: 10.5k pages instead of 45.9k).
            *(
                models.Index(
                    fields=["key", "day"],
                    name=f"dailycount_{dimension}_ranked",
                    condition=models.Q(dimension=dimension),
                    include=RANKED,
                )
                for dimension in (Dimension.UNIT, Dimension.REGION)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()} {self.key} {self.day:%Y-%m-%d}"


class UncountedSubmission(models.Model):
    """A message submitted through a channel that counts it later: its `received` is not yet in the count
    tables. The submission's task adds it and deletes this row in one transaction (reports/counts.py).

    The row keeps what the message counted under when it was submitted: an action that moves it elsewhere
    before the task runs (another leader, region or domain) moves the `received` it has in the tables by
    then, and the task adds the one it had at submission, where the submission put it.
    """

    message = models.OneToOneField(
        "board.Message", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name="留言"
    )
    day = models.DateField("收到日期")
    region_path = models.CharField("地区路径", max_length=64)
    domain_id = models.BigIntegerField("领域")
    message_type_id = models.BigIntegerField("类型")
    leader_id = models.BigIntegerField("领导")
    unit_id = models.BigIntegerField("办理单位", null=True)
    campaign_id = models.BigIntegerField("专栏", null=True)

    class Meta:
        verbose_name = verbose_name_plural = "待计入的收到留言"

    def __str__(self) -> str:
        return f"{self.message_id} {self.day:%Y-%m-%d}"


class BriefSubscription(models.Model):
    """A staff member's subscription to the daily brief (每日留言简报) of a region, or of the nation."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="brief_subscriptions", verbose_name="订阅人"
    )
    region = models.ForeignKey(
        "directory.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="地区",
        help_text="为空表示全国",
    )
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("订阅时间", auto_now_add=True)
    # The last day whose brief was e-mailed, so the daily task sends each day's brief once.
    last_sent_for = models.DateField("最近发送的简报日期", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "简报订阅"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "region"], condition=models.Q(region__isnull=False), name="brief_sub_region"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(region__isnull=True), name="brief_sub_national"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.region or '全国'}"
