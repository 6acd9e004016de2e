"""Directory endpoints: regions, leaders, units, domains and message types."""

from datetime import date
from decimal import Decimal

from django.urls import reverse
from ninja import Field, Query, Router, Schema

from liuyan.api.errors import ApiError, ErrorOut, error_response
from liuyan.api.fields import REGION_CODE, Line
from liuyan.directory import selectors
from liuyan.directory.models import Region

router = Router(tags=["名录"])


class RegionRef(Schema):
    code: str
    name: str
    level: str


class RegionOut(RegionRef):
    parent: str | None = Field(None, alias="parent_id")
    longitude: Decimal | None
    latitude: Decimal | None
    has_children: bool
    active: bool = Field(description="现行区划为 true；已撤销或更名的为 false，不再接受新留言")
    replaced_by: RegionRef | None = Field(None, description="已撤销区划的继承区划（能确定时）")


class RegionDetailOut(RegionOut):
    path: list[RegionRef] = Field(description="从省级到本级的各级行政区划")


class UnitRef(Schema):
    id: int
    name: str


class LeaderOut(Schema):
    id: int
    title: str
    person_name: str
    since: date | None = Field(None, description="任职时间")
    photo: str | None = Field(None, description="照片地址；没有照片时为空")
    region: str | None = Field(None, alias="region_id", description="所在行政区划；中央部门的领导为空")
    department: UnitRef | None = Field(None, description="所在中央部门；地方领导为空")
    desk: UnitRef
    order: int

    @staticmethod
    def resolve_photo(leader) -> str | None:
        return reverse("web:leader-photo", args=[leader.pk]) if leader.photo else None


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region: str | None = Field(None, alias="region_id")
    parent: int | None = Field(None, alias="parent_id")
    domains: list[str]

    @staticmethod
    def resolve_domains(unit) -> list[str]:
        return [domain.name for domain in unit.domains.all()]


class DomainOut(Schema):
    id: int
    name: str
    parent: int | None = Field(None, alias="parent_id")


class MessageTypeOut(Schema):
    code: str
    name: str


class RegionFilter(Schema):
    parent: Line | None = Field(None, pattern=REGION_CODE, description="上级区划代码；省略时返回省级")


class LeaderFilter(Schema):
    region: Line | None = Field(
        None, pattern=REGION_CODE, description="行政区划代码（县级及以上六位，乡级九位）"
    )
    central: bool = Field(False, description="true：中央部门（部委）的领导")
    department: Line | None = Field(
        None,
        pattern=r"^[-a-z0-9]{1,64}$",
        description="中央部门的单位代码（如 central-csrc），与 central=true 同用",
    )


class UnitFilter(Schema):
    region: Line | None = Field(None, pattern=REGION_CODE, description="行政区划代码；省略时返回中央部门")


def _region_or_404(code: str) -> Region:
    try:
        return Region.objects.select_related("replaced_by").get(pk=code)
    except Region.DoesNotExist:
        raise ApiError(404, "region_not_found", f"未找到行政区划：{code}") from None


@router.get("/regions", response={200: list[RegionOut], 404: ErrorOut, 422: ErrorOut}, summary="下级行政区划")
def list_regions(request, filters: Query[RegionFilter]):
    parent = _region_or_404(filters.parent) if filters.parent else None
    return list(selectors.regions_under(parent))


class PlaceOut(Schema):
    code: str = Field(alias="region.code")
    name: str = Field(alias="region.name")
    level: str = Field(alias="region.level")
    label: str = Field(description="地名连同上级地名，如“福建省 福州市 鼓楼区 水部街道”")
    path: list[str] = Field(description="从省级到本级的区划代码")
    former_name: str = Field(description="输入的是已撤销或更名的旧地名时为该旧名（其现名为 name），否则为空")


class PlaceQuery(Schema):
    q: Line = Field(..., min_length=1, max_length=20, description="地名或其中几个字，如“水部”")


# Before /regions/{code}, which would take "search" for a code.
@router.get("/regions/search", response={200: list[PlaceOut], 422: ErrorOut}, summary="按名称查找地区")
def search_regions(request, query: Query[PlaceQuery]):
    return selectors.search_places(query.q)


@router.get(
    "/regions/{code}", response={200: RegionDetailOut, 404: ErrorOut, 422: ErrorOut}, summary="行政区划详情"
)
def get_region(request, code: Line):
    region = _region_or_404(code)
    region.has_children = region.children.exists()
    region.path = region.ancestors_and_self()
    return region


@router.get(
    "/leaders", response={200: list[LeaderOut], 404: ErrorOut, 422: ErrorOut}, summary="某地或中央部门的领导"
)
def list_leaders(request, filters: Query[LeaderFilter]):
    if filters.central == bool(filters.region):
        problem = "请指定行政区划（region），或用 central=true 查询中央部门的领导，二选一。"
        return error_response(422, "validation_error", problem, fields={"region": problem})
    if filters.region:
        return list(selectors.active_leaders(_region_or_404(filters.region)))
    if filters.department:
        department = selectors.central_department(filters.department)
        if department is None:
            raise ApiError(404, "department_not_found", f"未找到中央部门：{filters.department}")
        return list(selectors.department_leaders(department))
    return list(selectors.department_leaders(None))


@router.get("/units", response={200: list[UnitOut], 404: ErrorOut, 422: ErrorOut}, summary="办理单位")
def list_units(request, filters: Query[UnitFilter]):
    region = _region_or_404(filters.region) if filters.region else None
    return list(selectors.active_units(region))


@router.get("/domains", response=list[DomainOut], summary="领域")
def list_domains(request):
    return list(selectors.active_domains())


@router.get("/message-types", response=list[MessageTypeOut], summary="留言类型")
def list_message_types(request):
    return list(selectors.active_message_types())
