"""Bench-only URLconf (bench/scale_settings.py): the project's own URLs plus a bare Django endpoint,
/hello, so that bench/scale.py measures the stack's floor in the same gunicorn, in the same window."""

from django.http import HttpResponse
from django.urls import include, path


def hello(request):
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [
    path("hello", hello),
    path("", include("liuyan.urls")),
]
