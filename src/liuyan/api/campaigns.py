"""Campaign endpoints (专栏): the public list and page; editors create, edit and open or close them."""

from datetime import datetime

from django.db.models import Count, Q
from django.http import Http404
from ninja import Field, Router, Schema, Status

from liuyan.accounts.choices import Permission
from liuyan.accounts.scope import scope_for
from liuyan.api.auth import signed_in, viewer
from liuyan.api.fields import Line, Moment, Text
from liuyan.api.messages import ERRORS
from liuyan.board.actions import campaigns
from liuyan.board.choices import PUBLIC_STATES, CampaignState
from liuyan.board.models import Campaign

router = Router(tags=["专栏"])


class CampaignOut(Schema):
    slug: str
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    state: str
    is_open: bool
    urgent_hours: int | None
    regions: list[str]
    allowed_types: list[str]
    message_count: int


class CampaignIn(Schema):
    title: Line
    slug: Line
    description: Text = ""
    opens_at: Moment
    closes_at: Moment
    region_codes: list[Line] = Field(default_factory=list)
    type_codes: list[Line] = Field(default_factory=list)
    urgent_hours: int | None = None
    state: Line = CampaignState.DRAFT


class CampaignEditIn(Schema):
    """Everything of a campaign but its address (slug) and its state (`/state`); the whole of it is sent."""

    title: Line
    description: Text = ""
    opens_at: Moment
    closes_at: Moment
    region_codes: list[Line] = Field(default_factory=list, max_length=500)
    type_codes: list[Line] = Field(default_factory=list, max_length=50)
    urgent_hours: int | None = None


class StateIn(Schema):
    state: Line


def _payload(campaign: Campaign) -> dict:
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "description": campaign.description,
        "opens_at": campaign.opens_at,
        "closes_at": campaign.closes_at,
        "state": campaign.state,
        "is_open": campaign.is_open(),
        "urgent_hours": campaign.urgent_hours,
        "regions": [r.code for r in campaign.regions.all()],
        "allowed_types": [t.code for t in campaign.allowed_types.all()],
        "message_count": getattr(campaign, "message_count", 0),
    }


def _campaigns_for(user):
    campaigns_ = Campaign.objects.prefetch_related("regions", "allowed_types").annotate(
        message_count=Count(
            "messages",
            filter=Q(messages__state__in=PUBLIC_STATES, messages__public=True, messages__hidden=False),
        )
    )
    if not scope_for(user, Permission.MODERATE).everywhere:
        campaigns_ = campaigns_.exclude(state=CampaignState.DRAFT)
    return campaigns_


@router.get("/campaigns", response={200: list[CampaignOut], **ERRORS}, summary="专栏列表")
def list_campaigns(request):
    return [_payload(c) for c in _campaigns_for(viewer(request)).order_by("-opens_at")]


@router.get("/campaigns/{slug}", response={200: CampaignOut, **ERRORS}, summary="专栏详情")
def get_campaign(request, slug: Line):
    campaign = _campaigns_for(viewer(request)).filter(slug=slug).first()
    if campaign is None:
        raise Http404
    return _payload(campaign)


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, auth=signed_in, summary="创建专栏（编辑）")
def create_campaign(request, payload: CampaignIn):
    campaign = campaigns.create_campaign(request.auth, **payload.dict())
    return Status(201, _payload(campaign))


@router.post(
    "/campaigns/{slug}/state",
    response={200: CampaignOut, **ERRORS},
    auth=signed_in,
    summary="开启或结束专栏（编辑）",
)
def set_state(request, slug: Line, payload: StateIn):
    campaign = campaigns.set_campaign_state(request.auth, slug, payload.state)
    return _payload(_campaigns_for(request.auth).get(pk=campaign.pk))


@router.put(
    "/campaigns/{slug}",
    response={200: CampaignOut, **ERRORS},
    auth=signed_in,
    summary="修改专栏（编辑）",
    description="修改标题、说明、征集时间、适用地区、留言类型和紧急回复时限；每次修改记录改了什么。",
)
def edit_campaign(request, slug: Line, payload: CampaignEditIn):
    campaigns.update_campaign(request.auth, slug, **payload.dict())
    return _payload(_campaigns_for(request.auth).get(slug=slug))
