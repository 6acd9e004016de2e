"""Subscriptions to the daily brief (每日留言简报): staff subscribe to a region's brief or the nation's,
and the daily task e-mails each of them the PDF once per day."""

import logging
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string

from liuyan.accounts.choices import Role
from liuyan.directory.models import Region
from liuyan.reports.brief import build_brief, cached_brief_pdf
from liuyan.reports.models import BriefSubscription

logger = logging.getLogger(__name__)

STAFF_ROLES = (Role.EDITOR, Role.DISPATCHER, Role.HANDLER, Role.LEADER, Role.ADMIN)


class SubscriptionRefused(Exception):
    """A subscription the user may not hold: not staff, or an unknown region."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_staff(user) -> bool:
    """Whether `user` works on the platform (any staff role) and so may subscribe to briefs."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.memberships.filter(role__in=STAFF_ROLES).exists()


def subscribe_to_brief(user, region_code: str | None) -> BriefSubscription:
    """Subscribe `user` (staff) to the daily brief of a region, or of the nation for None; idempotent."""
    if not is_staff(user):
        raise SubscriptionRefused("只有工作人员可以订阅每日留言简报。")
    region = None
    if region_code:
        region = Region.objects.filter(pk=region_code).first()
        if region is None:
            raise SubscriptionRefused(f"没有这个行政区划：{region_code}")
    with transaction.atomic():
        subscription, created = BriefSubscription.objects.select_for_update().get_or_create(
            user=user, region=region
        )
        if not created and not subscription.active:
            subscription.active = True
            subscription.save(update_fields=["active"])
    return subscription


def unsubscribe_from_brief(user, region_code: str | None) -> bool:
    """Stop `user`'s subscription to a region's (or the nation's) brief; whether one was active."""
    with transaction.atomic():
        return bool(
            BriefSubscription.objects.filter(user=user, region_id=region_code or None, active=True).update(
                active=False
            )
        )


def _due(day: date):
    return (
        BriefSubscription.objects.filter(active=True, user__is_active=True)
        .filter(Q(last_sent_for__isnull=True) | Q(last_sent_for__lt=day))
        .exclude(user__email="")
        .select_related("user", "region")
        .order_by("region_id", "id")
    )


def send_daily_briefs(day: date) -> int:
    """E-mail the brief of `day` to every active subscriber not yet sent it: the PDF of their region (built
    once per region) attached, the headline figures in the body. Returns the number of e-mails sent.

    Each subscription is claimed with a conditional update before sending, so two runs at once never send
    the same brief twice; a failed send gives the claim back and the next run tries again."""
    by_region: dict[str | None, list[BriefSubscription]] = defaultdict(list)
    for subscription in _due(day):
        by_region[subscription.region_id].append(subscription)
    sent = 0
    for region_code, subscriptions in by_region.items():
        brief = build_brief(day, region=region_code)
        pdf = cached_brief_pdf(day, region_code).read_bytes()
        subject = f"每日留言简报 {brief.date_label} · {brief.scope_title}"
        body = render_to_string("web/briefs/email.html", {"brief": brief})
        for subscription in subscriptions:
            claimed = (
                BriefSubscription.objects.filter(pk=subscription.pk)
                .filter(Q(last_sent_for__isnull=True) | Q(last_sent_for__lt=day))
                .update(last_sent_for=day)
            )
            if not claimed:
                continue
            email = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [subscription.user.email])
            email.content_subtype = "html"
            email.attach(
                f"每日留言简报-{day.isoformat()}-{region_code or '全国'}.pdf", pdf, "application/pdf"
            )
            try:
                email.send()
            except Exception:
                BriefSubscription.objects.filter(pk=subscription.pk).update(
                    last_sent_for=subscription.last_sent_for
                )
                logger.exception("The brief of %s could not be sent to %s.", day, subscription.user)
                continue
            sent += 1
    return sent
