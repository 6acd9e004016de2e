"""Dimensions of the count tables and the orders of the rankings, with their Chinese labels."""

from django.db import models


class Dimension(models.TextChoices):
    """What a `DailyCount` row is counted by; its `key` names one member of the dimension."""

    NATIONAL = "national", "全国"  # key ""
    REGION = "region", "地区"  # key: region code; the row covers the region's whole subtree
    UNIT = "unit", "办理单位"  # key: unit id
    LEADER = "leader", "领导"  # key: leader id
    DOMAIN = "domain", "领域"  # key: domain id (the message's own domain; parents are summed on reading)
    TYPE = "type", "类型"  # key: message type id
    CAMPAIGN = "campaign", "专栏"  # key: campaign id
    # Breakdowns of a region (with its subtree) for the daily brief: key "<region code>:<domain/type id>".
    REGION_DOMAIN = "region_domain", "地区×领域"
    REGION_TYPE = "region_type", "地区×类型"


class RankBy(models.TextChoices):
    REPLY_RATE = "reply_rate", "回复率"
    SPEED = "speed", "回复用时"
    SATISFACTION = "satisfaction", "满意率"
    VOLUME = "volume", "留言量"


class Bucket(models.TextChoices):
    DAY = "day", "按日"
    WEEK = "week", "按周"
    MONTH = "month", "按月"
