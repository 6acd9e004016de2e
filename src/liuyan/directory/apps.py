from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "liuyan.directory"
    verbose_name = "名录"
