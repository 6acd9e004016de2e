from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "liuyan.board"
    verbose_name = "留言"
