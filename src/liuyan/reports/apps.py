from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "liuyan.reports"
    verbose_name = "统计报表"
