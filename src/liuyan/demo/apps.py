from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a directory-seeded database (`liuyan setup_demo`); nothing else imports it."""

    name = "liuyan.demo"
    verbose_name = "演示数据"
