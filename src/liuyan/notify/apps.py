from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "liuyan.notify"
    verbose_name = "通知"
