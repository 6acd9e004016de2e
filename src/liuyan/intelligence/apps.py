from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "liuyan.intelligence"
    verbose_name = "智能分析"
