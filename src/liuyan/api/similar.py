"""Similar messages: for anyone about to post (public messages only), and for staff about one message in
their scope (for merging duplicates). See intelligence/similarity.py."""

from django.http import Http404
from django.urls import reverse
from ninja import Field, Router, Schema

from liuyan.api.auth import signed_in
from liuyan.api.errors import errors
from liuyan.api.fields import REGION_CODE, Id, Line, Text
from liuyan.api.throttles import SimilarThrottle
from liuyan.board import selectors
from liuyan.board.models import BODY_MAX, TITLE_MAX
from liuyan.directory.models import Region
from liuyan.intelligence import similarity

router = Router(tags=["类似留言"])

ERRORS = errors(400, 401, 404, 422, 429)


class SimilarIn(Schema):
    title: Line = Field("", max_length=TITLE_MAX * 2)
    body: Text = Field("", max_length=BODY_MAX * 2)
    region: Line | None = Field(
        None, pattern=REGION_CODE, description="行政区划代码：只找该地区（含下级）的留言"
    )
    limit: int = Field(5, ge=1, le=10)


class SimilarOut(Schema):
    id: int
    serial: str
    title: str
    score: float = Field(description="估计的相似度（Jaccard，0–1）")
    near_duplicate: bool = Field(description="相似度很高，可能是重复留言")
    match: str = Field(
        description="如何找到：same_title 标题相同、near_title 标题几乎相同、"
        "title_in_body 标题与另一条的正文相同、overlap 内容相似；按此顺序排列"
    )
    match_label: str = Field(description="找到方式的中文说明")
    state: str
    state_label: str
    replied: bool = Field(description="已有公开答复")
    url: str = Field(description="留言页面，含答复")


class StaffSimilarOut(SimilarOut):
    region: str | None
    unit: str | None
    mergeable: bool = Field(description="调用者可将本留言并入这条留言（并单）")


@router.post(
    "/messages/similar",
    response={200: list[SimilarOut], **ERRORS},
    throttle=[SimilarThrottle()],
    summary="类似留言（公开留言中查找）",
)
def similar_public(request, payload: SimilarIn):
    """Public messages similar to a title and body being written. Empty when the text is too short."""
    region = None
    if payload.region:
        region = Region.objects.filter(pk=payload.region).only("path").first()
        if region is None:
            return []
    hits = similarity.similar_public(payload.title, payload.body, region=region, limit=payload.limit)
    return [similarity.public_payload(hit) for hit in hits]


@router.get(
    "/messages/{message_id}/similar",
    response={200: list[StaffSimilarOut], **ERRORS},
    auth=signed_in,
    summary="相似留言（工作人员，辖区内）",
)
def similar_staff(request, message_id: Id):
    """Messages in the caller's scope similar to this one, not merged into another; 404 out of scope."""
    user = request.auth
    message = selectors.workbench_message(user, message_id)
    if message is None:
        raise Http404
    rows = []
    for hit in similarity.similar_for_staff(user, message):
        candidate = hit.message
        rows.append(
            {
                **similarity.public_payload(hit),
                "title": candidate.title,
                "url": reverse("web:workbench-message", args=[candidate.pk]),
                "region": candidate.region.name if candidate.region_id else None,
                "unit": candidate.unit.name if candidate.unit_id else None,
                "mergeable": similarity.may_merge(user, message, candidate),
            }
        )
    return rows
