from django.contrib import admin
from django.urls import include, path, re_path

from liuyan.api.errors import unknown_endpoint
from liuyan.api.v1 import api
from liuyan.web.forms import AdminLoginForm
from liuyan.web.views.account import admin_login

admin.site.site_header = admin.site.site_title = "留言板管理"
# The admin's sign-in says so when the failed sign-in limits (accounts/limits.py) refuse a try.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/login/", admin_login),  # before admin.site.urls: the same page, answering 429 when refused
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", unknown_endpoint),
    path("open311/", include("liuyan.api.open311")),
    path("", include("liuyan.web.urls")),
]
