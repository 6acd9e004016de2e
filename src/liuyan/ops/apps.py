from django.apps import AppConfig


class OpsConfig(AppConfig):
    """The commands that drive several apps at once (the periodic checks, the import with what follows it):
    above the apps they call, so that none of those has to import another one upward."""

    name = "liuyan.ops"
    verbose_name = "运维"
