"""Campaigns (专栏 / 征集): editors create, edit, open and close them; each change is a CampaignChange row
(who, when, what changed)."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.accounts.scope import scope_for
from liuyan.board.actions.base import Conflict, Forbidden, Invalid, NotFound
from liuyan.board.choices import CampaignChangeKind, CampaignState
from liuyan.board.models import Campaign, CampaignChange
from liuyan.directory.models import MessageType, Region


def _require_editor(user: User) -> None:
    if not scope_for(user, Permission.MODERATE).everywhere:
        raise Forbidden("只有编辑可以管理专栏。")


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _names(rows: Sequence[Region] | Sequence[MessageType]) -> str:
    return "、".join(row.name for row in rows)


@dataclass(frozen=True)
class CampaignTerms:
    """What an editor sets of a campaign, checked: its text, window, places, types and urgent rule."""

    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    regions: list[Region]
    types: list[MessageType]
    urgent_hours: int | None


def _checked_terms(
    *,
    title: str | None,
    description: str | None,
    opens_at: datetime | None,
    closes_at: datetime | None,
    region_codes: Sequence[str],
    type_codes: Sequence[str],
    urgent_hours: int | None,
    errors: dict[str, str],
) -> CampaignTerms | None:
    """The terms, or None with `errors` (field → Chinese message) filled in."""
    title = (title or "").strip()
    if not 2 <= len(title) <= 80:
        errors["title"] = "专栏标题应为 2–80 个字。"
    if not opens_at or not closes_at or closes_at <= opens_at:
        errors["closes_at"] = "结束时间须晚于开始时间。"
    codes = sorted(set(region_codes))
    regions = list(Region.objects.filter(pk__in=codes).order_by("code"))
    if len(regions) != len(codes):
        unknown = sorted(set(codes) - {r.code for r in regions})
        errors["region_codes"] = f"没有这些行政区划：{'、'.join(unknown)}。"
    types = list(MessageType.objects.filter(code__in=type_codes).order_by("order", "id"))
    if len(types) != len(set(type_codes)):
        errors["type_codes"] = "有的留言类型不存在。"
    if urgent_hours is not None and not 1 <= urgent_hours <= 720:
        errors["urgent_hours"] = "紧急回复时限应为 1–720 小时。"
    if errors:
        return None
    assert opens_at is not None and closes_at is not None  # else errors says so
    return CampaignTerms(
        title, (description or "").strip(), opens_at, closes_at, regions, types, urgent_hours
    )


def _refuse(errors: dict[str, str]) -> Invalid:
    return Invalid(next(iter(errors.values())), errors=errors, code="invalid_campaign")


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
    """A new campaign, with its CREATED change row."""
    _require_editor(editor)
    errors: dict[str, str] = {}
    slug = slugify(slug or "")
    if not slug:
        errors["slug"] = "请填写网址标识（英文字母、数字或连字符）。"
    terms = _checked_terms(
        title=title,
        description=description,
        opens_at=opens_at,
        closes_at=closes_at,
        region_codes=region_codes,
        type_codes=type_codes,
        urgent_hours=urgent_hours,
        errors=errors,
    )
    if state not in CampaignState.values:
        errors["state"] = "专栏状态无效。"
    if errors or terms is None:
        raise _refuse(errors)
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                title=terms.title,
                slug=slug,
                description=terms.description,
                opens_at=terms.opens_at,
                closes_at=terms.closes_at,
                urgent_hours=terms.urgent_hours,
                state=state,
                created_by=editor,
            )
    except IntegrityError:
        raise Conflict(f"网址标识“{slug}”已被其他专栏使用。", code="slug_taken", field="slug") from None
    campaign.regions.set(terms.regions)
    campaign.allowed_types.set(terms.types)
    CampaignChange.objects.create(
        campaign=campaign,
        actor=editor,
        kind=CampaignChangeKind.CREATED,
        note=f"状态：{campaign.get_state_display()}",
    )
    return campaign


def _load(slug: str) -> Campaign:
    campaign = Campaign.objects.select_for_update().filter(slug=slug).first()
    if campaign is None:
        raise NotFound("专栏不存在。")
    return campaign


@transaction.atomic
def update_campaign(
    editor: User,
    slug: str,
    *,
    title: str | None,
    description: str | None = "",
    opens_at: datetime | None,
    closes_at: datetime | None,
    region_codes: Sequence[str] = (),
    type_codes: Sequence[str] = (),
    urgent_hours: int | None = None,
) -> CampaignChange | None:
    """Edit a campaign's title, description, window, places, types and urgent rule (its address, the
    slug, stays). One EDITED change row saying what changed, from what to what; None when nothing did."""
    _require_editor(editor)
    campaign = _load(slug)
    errors: dict[str, str] = {}
    terms = _checked_terms(
        title=title,
        description=description,
        opens_at=opens_at,
        closes_at=closes_at,
        region_codes=region_codes,
        type_codes=type_codes,
        urgent_hours=urgent_hours,
        errors=errors,
    )
    if errors or terms is None:
        raise _refuse(errors)
    # The pages set times to the minute: a time shown the same is the same (its seconds are kept).
    if _local(terms.opens_at) == _local(campaign.opens_at):
        terms = replace(terms, opens_at=campaign.opens_at)
    if _local(terms.closes_at) == _local(campaign.closes_at):
        terms = replace(terms, closes_at=campaign.closes_at)
    old_regions = list(campaign.regions.order_by("code"))
    old_types = list(campaign.allowed_types.order_by("order", "id"))
    changes = []
    if terms.title != campaign.title:
        changes.append(f"标题：{campaign.title} → {terms.title}")
    if terms.description != campaign.description:
        changes.append("说明已修改")
    if terms.opens_at != campaign.opens_at:
        changes.append(f"开始时间：{_local(campaign.opens_at)} → {_local(terms.opens_at)}")
    if terms.closes_at != campaign.closes_at:
        changes.append(f"结束时间：{_local(campaign.closes_at)} → {_local(terms.closes_at)}")
    if [r.code for r in terms.regions] != [r.code for r in old_regions]:
        changes.append(f"适用地区：{_names(old_regions) or '全国'} → {_names(terms.regions) or '全国'}")
    if [t.pk for t in terms.types] != [t.pk for t in old_types]:
        changes.append(f"留言类型：{_names(old_types) or '全部类型'} → {_names(terms.types) or '全部类型'}")
    if terms.urgent_hours != campaign.urgent_hours:
        before, after = (f"{h} 小时" if h else "不限" for h in (campaign.urgent_hours, terms.urgent_hours))
        changes.append(f"紧急回复时限：{before} → {after}")
    if not changes:
        return None
    campaign.title, campaign.description = terms.title, terms.description
    campaign.opens_at, campaign.closes_at = terms.opens_at, terms.closes_at
    campaign.urgent_hours = terms.urgent_hours
    campaign.save(update_fields=["title", "description", "opens_at", "closes_at", "urgent_hours"])
    campaign.regions.set(terms.regions)
    campaign.allowed_types.set(terms.types)
    return CampaignChange.objects.create(
        campaign=campaign, actor=editor, kind=CampaignChangeKind.EDITED, note="；".join(changes)
    )


@transaction.atomic
def set_campaign_state(editor: User, slug: str, state: str) -> Campaign:
    """Open or close a campaign (or take it back to draft); a STATE change row when the state changes."""
    _require_editor(editor)
    campaign = _load(slug)
    if state not in CampaignState.values:
        raise Invalid("专栏状态无效。", field="state")
    if campaign.state == state:
        raise Conflict(f"专栏已经是“{campaign.get_state_display()}”。", code="same_state")
    before = campaign.get_state_display()
    campaign.state = state
    campaign.save(update_fields=["state"])
    CampaignChange.objects.create(
        campaign=campaign,
        actor=editor,
        kind=CampaignChangeKind.STATE,
        note=f"状态：{before} → {campaign.get_state_display()}",
    )
    return campaign
