from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "liuyan.accounts"
    verbose_name = "账户"
