from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "liuyan.accounts"
    verbose_name = "账户"

    def ready(self) -> None:
        from liuyan.accounts import signals  # noqa: F401  (connects the receivers)


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with `accounts.admin_site.StaffAdminSite` as its site."""

    default = False
    default_site = "liuyan.accounts.admin_site.StaffAdminSite"
