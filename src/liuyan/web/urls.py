from django.urls import path

from liuyan.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/", views.region_index, name="region-index"),
    path("regions/<str:code>/", views.region_detail, name="region-detail"),
]
