from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "liuyan.web"
    verbose_name = "网站"
