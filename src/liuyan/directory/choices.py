"""Choices of the directory: region levels and unit kinds."""

from django.db import models


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    PREFECTURE = "prefecture", "地级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡级"


class UnitKind(models.TextChoices):
    DISPATCH_DESK = "desk", "留言办理工作机构"
    PARTY_COMMITTEE = "party", "党委"
    GOVERNMENT = "government", "人民政府"
    DEPARTMENT = "department", "职能部门"
    CENTRAL = "central", "中央部门"
