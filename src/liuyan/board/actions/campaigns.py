"""Campaigns (专栏 / 征集): editors create them and open or close them."""

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.accounts.scope import scope_for
from liuyan.board.actions.base import Conflict, Forbidden, Invalid, NotFound
from liuyan.board.choices import CampaignState
from liuyan.board.models import Campaign
from liuyan.directory.models import MessageType, Region


def _require_editor(user: User) -> None:
    if not scope_for(user, Permission.MODERATE).everywhere:
        raise Forbidden("只有编辑可以管理专栏。")


@transaction.atomic
def create_campaign(
    editor: User,
    *,
    title: str | None,
    slug: str | None,
    description: str | None = "",
    opens_at: datetime | None,
    closes_at: datetime | None,
    region_codes: Sequence[str] = (),
    type_codes: Sequence[str] = (),
    urgent_hours: int | None = None,
    state: str = CampaignState.DRAFT,
) -> Campaign:
    _require_editor(editor)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not 2 <= len(title) <= 80:
        errors["title"] = "专栏标题应为 2–80 个字。"
    slug = slugify(slug or "")
    if not slug:
        errors["slug"] = "请填写网址标识（英文字母、数字或连字符）。"
    if not opens_at or not closes_at or closes_at <= opens_at:
        errors["closes_at"] = "结束时间须晚于开始时间。"
    regions = list(Region.objects.filter(pk__in=region_codes))
    if len(regions) != len(set(region_codes)):
        errors["region_codes"] = "有的行政区划代码不存在。"
    types = list(MessageType.objects.filter(code__in=type_codes))
    if len(types) != len(set(type_codes)):
        errors["type_codes"] = "有的留言类型不存在。"
    if urgent_hours is not None and not 1 <= urgent_hours <= 720:
        errors["urgent_hours"] = "紧急回复时限应为 1–720 小时。"
    if state not in CampaignState.values:
        errors["state"] = "专栏状态无效。"
    if errors:
        raise Invalid(next(iter(errors.values())), errors=errors, code="invalid_campaign")
    assert opens_at is not None and closes_at is not None  # else errors says so
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                title=title,
                slug=slug,
                description=(description or "").strip(),
                opens_at=opens_at,
                closes_at=closes_at,
                urgent_hours=urgent_hours,
                state=state,
                created_by=editor,
            )
    except IntegrityError:
        raise Conflict(f"网址标识“{slug}”已被其他专栏使用。", code="slug_taken", field="slug") from None
    campaign.regions.set(regions)
    campaign.allowed_types.set(types)
    return campaign


@transaction.atomic
def set_campaign_state(editor: User, slug: str, state: str) -> Campaign:
    """Open or close a campaign (or take it back to draft)."""
    _require_editor(editor)
    campaign = Campaign.objects.select_for_update().filter(slug=slug).first()
    if campaign is None:
        raise NotFound("专栏不存在。")
    if state not in CampaignState.values:
        raise Invalid("专栏状态无效。", field="state")
    campaign.state = state
    campaign.save(update_fields=["state"])
    return campaign
