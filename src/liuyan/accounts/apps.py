from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "liuyan.accounts"
    verbose_name = "账户"

    def ready(self) -> None:
        from liuyan.accounts import signals  # noqa: F401  (connects the receivers)
