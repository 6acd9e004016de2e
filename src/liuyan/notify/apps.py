from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "liuyan.notify"
    verbose_name = "通知"

    def ready(self):
        from liuyan.notify import webhooks  # noqa: F401  (connects the signal that refreshes its cache)
