from django.urls import include, path, re_path, register_converter

from liuyan.reports import feeds
from liuyan.web.views import account, briefs, citizen, exports, ministries, public, security, two_factor
from liuyan.web.views import stats as stats_pages
from liuyan.web.views.coverage import coverage_page


class RegionCode:
    """A region's code, six ASCII digits (GB/T 2260) or nine for a township: any other text names no page
    (404, not a lookup)."""

    regex = "[0-9]{6}(?:[0-9]{3})?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RegionCode, "region")

app_name = "web"

urlpatterns = [
    path("", public.home, name="home"),
    path("regions/", public.region_index, name="region-index"),
    path("regions/<region:code>/", public.region_detail, name="region-detail"),
    path("leaders/<int:leader_id>/", public.leader_detail, name="leader-detail"),
    path("leaders/<int:leader_id>/photo", public.leader_photo, name="leader-photo"),
    path("ministries/", ministries.ministry_index, name="ministry-index"),
    path("ministries/<slug:code>/", ministries.ministry_detail, name="ministry-detail"),
    path("messages/", public.message_list, name="message-list"),
    path("messages/<int:message_id>/", public.message_detail, name="message-detail"),
    path("campaigns/", public.campaign_list, name="campaign-list"),
    path("campaigns/<slug:slug>/", public.campaign_detail, name="campaign-detail"),
    path("search/", public.search, name="search"),
    # Statistics and rankings (reports.stats, reports.charts).
    path("stats/", stats_pages.national, name="stats"),
    path("stats/rankings/", stats_pages.rankings, name="stats-rankings"),
    path("stats/coverage/", coverage_page, name="stats-coverage"),
    path("stats/regions/<region:code>/", stats_pages.region, name="stats-region"),
    path("stats/units/<slug:code>/", stats_pages.unit, name="stats-unit"),
    path("stats/leaders/<slug:code>/", stats_pages.leader, name="stats-leader"),
    path("stats/ministries/<slug:code>/", stats_pages.ministry, name="stats-ministry"),
    path("stats/campaigns/<slug:slug>/", stats_pages.campaign, name="stats-campaign"),
    # The daily brief (reports.brief): archive, page, PDF, staff subscriptions.
    path("briefs/", briefs.archive, name="briefs"),
    path("briefs/subscription/", briefs.subscription, name="brief-subscription"),
    re_path(r"^briefs/(?P<day>[0-9-]{1,12})\.pdf$", briefs.brief_pdf, name="brief-pdf"),
    path("briefs/<str:day>/", briefs.brief_page, name="brief"),
    # Exports, open data and feeds (reports.exports, reports.opendata, reports.feeds).
    re_path(r"^messages/export\.(?P<fmt>csv|xlsx)$", exports.public_export, name="message-export"),
    path("open-data/", exports.open_data, name="open-data"),
    path("open-data/latest.zip", exports.open_data_download, name="open-data-download"),
    path("regions/<region:code>/feed.rss", feeds.RegionFeed(), name="region-feed"),
    path("regions/<region:code>/feed.atom", feeds.RegionAtomFeed(), name="region-feed-atom"),
    path("leaders/<int:leader_id>/feed.rss", feeds.LeaderFeed(), name="leader-feed"),
    path("leaders/<int:leader_id>/feed.atom", feeds.LeaderAtomFeed(), name="leader-feed-atom"),
    path("campaigns/<slug:slug>/feed.rss", feeds.CampaignFeed(), name="campaign-feed"),
    path("campaigns/<slug:slug>/feed.atom", feeds.CampaignAtomFeed(), name="campaign-feed-atom"),
    # A citizen's own pages and actions.
    path("post/", citizen.post_message, name="post"),
    path("me/messages/", citizen.my_messages, name="my-messages"),
    path("me/notifications/", citizen.notifications, name="notifications"),
    path("messages/<int:message_id>/support/", citizen.support, name="support"),
    path("messages/<int:message_id>/rate/", citizen.rate, name="rate"),
    path("messages/<int:message_id>/follow-up/", citizen.follow_up, name="follow-up"),
    path("messages/<int:message_id>/withdraw/", citizen.withdraw, name="withdraw"),
    # Accounts.
    path("accounts/login/", account.LoginView.as_view(), name="login"),
    path("accounts/logout/", account.LogoutView.as_view(), name="logout"),
    path("accounts/register/", account.register, name="register"),
    path("accounts/password/", account.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/password/reset/", account.password_reset, name="password-reset"),
    path("accounts/", security.account, name="account"),
    path("accounts/tokens/<int:token_id>/revoke/", security.revoke_token, name="token-revoke"),
    # Staff's second factor (accounts.two_factor).
    path("accounts/two-factor/", two_factor.verify, name="two-factor"),
    path("accounts/two-factor/setup/", two_factor.setup, name="two-factor-setup"),
    path(
        "accounts/two-factor/recovery-codes/", two_factor.new_recovery_codes, name="two-factor-recovery-codes"
    ),
    # The staff workbench.
    path("workbench/", include("liuyan.web.workbench_urls")),
]
