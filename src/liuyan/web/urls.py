from django.urls import include, path

from liuyan.web.views import account, citizen, public

app_name = "web"

urlpatterns = [
    path("", public.home, name="home"),
    path("regions/", public.region_index, name="region-index"),
    path("regions/<str:code>/", public.region_detail, name="region-detail"),
    path("leaders/<int:leader_id>/", public.leader_detail, name="leader-detail"),
    path("messages/", public.message_list, name="message-list"),
    path("messages/<int:message_id>/", public.message_detail, name="message-detail"),
    path("campaigns/", public.campaign_list, name="campaign-list"),
    path("campaigns/<slug:slug>/", public.campaign_detail, name="campaign-detail"),
    path("search/", public.search, name="search"),
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
    # The staff workbench.
    path("workbench/", include("liuyan.web.workbench_urls")),
]
