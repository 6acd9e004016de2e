from django.db import models
from django.db.models import Q

from liuyan.directory.choices import RegionLevel, UnitKind


class Region(models.Model):
    """An administrative division (行政区划) identified by its GB/T 2260 code."""

    code = models.CharField("区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=40)
    level = models.CharField("级别", max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Codes from the province down, each followed by "/": a subtree is `path__startswith`.
    path = models.CharField("路径", max_length=64, db_index=True, editable=False)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def ancestors_and_self(self) -> list["Region"]:
        """The regions from the province down to this one, in one query."""
        codes = [code for code in self.path.split("/") if code]
        by_code = {region.code: region for region in Region.objects.filter(code__in=codes)}
        return [by_code[code] for code in codes]

    def is_within(self, other: "Region") -> bool:
        return self.path.startswith(other.path)


class Domain(models.Model):
    """A field of government work (领域) a message belongs to; may form a tree."""

    name = models.CharField("名称", max_length=40)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级领域",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "领域"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="domain_unique_name_under_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="domain_unique_root_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MessageType(models.Model):
    """A kind of message (类型): suggestion, complaint, request for help, inquiry, thanks."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=20, unique=True)
    order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "留言类型"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A body that handles messages (办理单位): a dispatch desk, a committee, a government or a department."""

    code = models.SlugField("代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=80)
    kind = models.CharField("类别", max_length=16, choices=UnitKind.choices)
    region = models.ForeignKey(
        Region, verbose_name="行政区划", null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    domains = models.ManyToManyField(Domain, verbose_name="负责领域", blank=True, related_name="units")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理单位"
        ordering = ["region_id", "id"]
        indexes = [models.Index(fields=["region", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=UnitKind.CENTRAL, region__isnull=True)
                | (~Q(kind=UnitKind.CENTRAL) & Q(region__isnull=False)),
                name="unit_region_unless_central",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Leader(models.Model):
    """A public addressee (领导): a title held in a region, whose messages go to a dispatch desk."""

    code = models.SlugField("代码", max_length=64, unique=True)
    title = models.CharField("职务", max_length=80)
    person_name = models.CharField("姓名", max_length=40, blank=True)
    region = models.ForeignKey(
        Region, verbose_name="行政区划", on_delete=models.PROTECT, related_name="leaders"
    )
    desk = models.ForeignKey(
        Unit,
        verbose_name="留言办理工作机构",
        on_delete=models.PROTECT,
        related_name="leaders",
        limit_choices_to={"kind": UnitKind.DISPATCH_DESK},
    )
    order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "领导"
        ordering = ["region_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.title}{self.person_name}"
