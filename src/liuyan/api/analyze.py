"""Text analysis: where a message is about, its domain and type, who should handle it, similar messages."""

from ninja import Field, Router, Schema

from liuyan.api.auth import signed_in
from liuyan.api.errors import ApiError, errors
from liuyan.api.fields import Line, Text
from liuyan.api.throttles import AnalyzeThrottle
from liuyan.board.visibility import visible_messages
from liuyan.directory.models import Region
from liuyan.intelligence.analyze import analyze_text

router = Router(tags=["智能分析"])


class AnalyzeIn(Schema):
    text: Text = Field(min_length=1, max_length=10000, description="留言的标题和内容")
    region: Line | None = Field(None, max_length=6, description="留言对象所在的行政区划代码（提示）")


class RegionGuessOut(Schema):
    code: str
    name: str
    path: str
    confidence: float


class LabelShare(Schema):
    label: str
    confidence: float


class LabelGuessOut(Schema):
    label: str
    confidence: float
    top3: list[LabelShare]


class UnitGuessOut(Schema):
    id: int
    name: str
    score: float
    reason: str


class SimilarGuessOut(Schema):
    id: int
    title: str
    score: float


class AnalysisOut(Schema):
    region: RegionGuessOut | None
    domain: LabelGuessOut | None
    type: LabelGuessOut | None
    units: list[UnitGuessOut]
    similar: list[SimilarGuessOut]


@router.post(
    "/analyze",
    response={200: AnalysisOut, **errors(400, 401, 403, 422, 429)},
    auth=signed_in,
    throttle=[AnalyzeThrottle()],
    summary="分析留言：地区、领域、类型、建议办理单位、相似留言",
)
def analyze(request, payload: AnalyzeIn):
    hint = None
    if payload.region:
        hint = Region.objects.filter(pk=payload.region).first()
        if hint is None:
            raise ApiError(422, "invalid", f"未知的行政区划代码：{payload.region}。")
    # Similar messages: what this user may read (the public ones, their own, and their scope if staff).
    analysis = analyze_text(payload.text, region_hint=hint, similar_scope=visible_messages(request.user))
    return analysis.as_dict()
