from django.contrib import admin
from django.urls import include, path, re_path

from liuyan.api.errors import unknown_endpoint
from liuyan.api.v1 import api

admin.site.site_header = admin.site.site_title = "留言板管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", unknown_endpoint),
    path("open311/", include("liuyan.api.open311")),
    path("", include("liuyan.web.urls")),
]
