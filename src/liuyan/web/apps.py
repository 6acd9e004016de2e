from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "liuyan.web"
    verbose_name = "网站"

    def ready(self) -> None:
        from liuyan.web import page_invalidation, staff_sessions  # noqa: F401  (connect their receivers)
