from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce

from liuyan.core.scoping import ScopeLookups
from liuyan.directory.choices import RegionLevel, UnitKind


class Region(models.Model):
    """An administrative division (行政区划) identified by its official code: six digits down to the counties
    (GB/T 2260), nine for townships and street offices. A division that has gone stays, inactive, pointing to
    its successor where one is clear, so that old messages, links and names still resolve."""

    code = models.CharField("区划代码", max_length=9, primary_key=True)
    name = models.CharField("名称", max_length=40)
    level = models.CharField("级别", max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Codes from the province down, each followed by "/": a subtree is `path__startswith`.
    path = models.CharField("路径", max_length=64, db_index=True, editable=False)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    active = models.BooleanField("现行", default=True, help_text="已撤销或更名的区划不再现行。")
    replaced_by = models.ForeignKey(
        "self",
        verbose_name="继承区划",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )

    scope_lookups = ScopeLookups(region_path="path")

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

    scope_lookups = ScopeLookups(region_path="region__path", unit="id")

    class Meta:
        verbose_name = verbose_name_plural = "办理单位"
        ordering = ["region_id", "id"]
        indexes = [models.Index(fields=["region", "kind"])]
        constraints = [
            # A central department, and the desk of one (its parent), have no region.
            models.CheckConstraint(
                condition=Q(kind=UnitKind.CENTRAL, region__isnull=True)
                | Q(kind=UnitKind.DISPATCH_DESK, region__isnull=True, parent__isnull=False)
                | (~Q(kind=UnitKind.CENTRAL) & Q(region__isnull=False)),
                name="unit_region_unless_central",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Leader(models.Model):
    """A public addressee (领导): a title held in a region, or in a central department (部委), whose
    messages go to a dispatch desk."""

    code = models.SlugField("代码", max_length=64, unique=True)
    title = models.CharField("职务", max_length=80)
    person_name = models.CharField("姓名", max_length=40, blank=True)
    since = models.DateField("任职时间", null=True, blank=True)
    photo = models.ImageField("照片", upload_to="leaders/", blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name="行政区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leaders",
    )
    department = models.ForeignKey(
        "Unit",
        verbose_name="中央部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="department_leaders",
        limit_choices_to={"kind": UnitKind.CENTRAL},
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

    scope_lookups = ScopeLookups(region_path="region__path")

    class Meta:
        verbose_name = verbose_name_plural = "领导"
        ordering = ["region_id", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False, department__isnull=True)
                | Q(region__isnull=True, department__isnull=False),
                name="leader_of_region_or_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}{self.person_name}"


class SlaPolicy(models.Model):
    """A deadline policy (办理时限): working days to accept and to reply, for a region and message type."""

    region = models.ForeignKey(
        Region,
        verbose_name="行政区划",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text="留空为全国默认；下级区划未设置时沿用上级的时限。",
    )
    message_type = models.ForeignKey(
        MessageType,
        verbose_name="留言类型",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text="留空适用于所有类型；同一区划中指定类型的时限优先。",
    )
    accept_days = models.PositiveSmallIntegerField("受理时限（工作日）")
    reply_days = models.PositiveSmallIntegerField("答复时限（工作日）")
    revisit_resolution = models.PositiveSmallIntegerField(
        "回访分数线",
        default=2,
        help_text="留言人评价“解决程度”不高于此分时，留言不办结，转入留言办理工作机构的回访"
        "（0–5；0 表示只看平均分，5 表示每条评价都回访）。",
    )
    follow_up_days = models.PositiveSmallIntegerField(
        "追问答复时限（工作日）", default=5, help_text="已回复留言收到追问后，办理单位答复追问的时限。"
    )

    class Meta:
        verbose_name = verbose_name_plural = "办理时限"
        ordering = ["region_id", "message_type_id"]
        # NULL never equals NULL in a unique index, so each combination of "national" and
        # "all types" needs its own partial constraint.
        constraints = [
            models.UniqueConstraint(fields=["region", "message_type"], name="slapolicy_unique_region_type"),
            models.UniqueConstraint(
                fields=["region"],
                condition=Q(message_type__isnull=True),
                name="slapolicy_unique_region_all_types",
                violation_error_message="该行政区划已有适用于所有类型的时限。",
            ),
            models.UniqueConstraint(
                fields=["message_type"],
                condition=Q(region__isnull=True),
                name="slapolicy_unique_national_type",
                violation_error_message="该留言类型已有全国默认时限。",
            ),
            # Under its condition the expression is the same for every row: at most one such row.
            models.UniqueConstraint(
                Coalesce("region", Value("")),
                condition=Q(region__isnull=True, message_type__isnull=True),
                name="slapolicy_unique_national_all_types",
                violation_error_message="全国默认的所有类型时限已存在。",
            ),
            models.CheckConstraint(
                condition=Q(accept_days__gte=1, reply_days__gte=1),
                name="slapolicy_days_at_least_one",
                violation_error_message="时限至少为 1 个工作日。",
            ),
            models.CheckConstraint(
                condition=Q(revisit_resolution__lte=5, follow_up_days__gte=1),
                name="slapolicy_revisit_and_follow_up",
                violation_error_message="回访分数线应在 0–5 之间，追问答复时限至少为 1 个工作日。",
            ),
        ]

    def __str__(self) -> str:
        region = self.region.name if self.region else "全国"
        message_type = self.message_type.name if self.message_type else "所有类型"
        return f"{region} · {message_type}"


class Holiday(models.Model):
    """An exception to the working-day calendar: a day off (放假) or a weekend day worked (调休上班)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField(
        "调休上班", default=False, help_text="勾选表示该日上班（周末调休）；不勾选表示该日放假。"
    )
    name = models.CharField("名称", max_length=40, help_text="如：国庆节、春节调休。")

    class Meta:
        verbose_name = verbose_name_plural = "节假日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{'上班' if self.is_workday else '放假'}）"


class RoutingRule(models.Model):
    """A line of the routing catalogue (派单目录): messages of a domain (and keywords) in a region subtree go
    to a unit — a named one, or the department of a given kind in the message's own region."""

    region = models.ForeignKey(
        Region,
        verbose_name="适用区划",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text="留空适用于全国；否则适用于该区划及其下级。",
    )
    domain = models.ForeignKey(
        Domain,
        verbose_name="领域",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text="留空适用于所有领域。",
    )
    keywords = models.CharField(
        "关键词",
        max_length=200,
        blank=True,
        help_text="以空格分隔，留言含其中任一词时适用；留空则不看关键词。",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="办理单位",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text="指定的办理单位；与“部门类别”二选一。",
    )
    department = models.SlugField(
        "部门类别",
        max_length=32,
        blank=True,
        help_text="留言所涉区划本级的该类部门（如 education 为本级教育部门）；与“办理单位”二选一。",
    )
    weight = models.PositiveSmallIntegerField(
        "权重", default=100, help_text="同等条件下权重高的规则排在前面（1–1000）。"
    )
    active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "派单目录"
        ordering = ["region_id", "domain_id", "-weight", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(department=""))
                | (Q(unit__isnull=True) & ~Q(department="")),
                name="routingrule_unit_xor_department",
                violation_error_message="请指定办理单位或部门类别，二者只能选一个。",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=1000),
                name="routingrule_weight_range",
                violation_error_message="权重应在 1 到 1000 之间。",
            ),
        ]

    def __str__(self) -> str:
        target = self.unit.name if self.unit else f"本级{self.department}"
        domain = self.domain.name if self.domain else "所有领域"
        return f"{self.region.name if self.region else '全国'} · {domain} → {target}"

    @property
    def keyword_list(self) -> list[str]:
        return self.keywords.split()


class AutoAssignPolicy(models.Model):
    """A dispatch desk's choice to let the system assign its incoming messages when the routing suggestion
    is confident enough (自动交办)."""

    desk = models.OneToOneField(
        Unit,
        verbose_name="留言办理工作机构",
        on_delete=models.CASCADE,
        related_name="auto_assign_policy",
        limit_choices_to={"kind": UnitKind.DISPATCH_DESK},
    )
    enabled = models.BooleanField("启用自动交办", default=False)
    min_confidence = models.DecimalField(
        "置信度下限",
        max_digits=3,
        decimal_places=2,
        default=0.8,
        help_text="建议的置信度不低于此值时自动交办（0.50–0.99）。",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设置人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("设置时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "自动交办设置"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_confidence__gte=0.5, min_confidence__lte=0.99),
                name="autoassign_confidence_range",
                violation_error_message="置信度下限应在 0.50 到 0.99 之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.desk.name}：{'自动交办' if self.enabled else '人工交办'}"
