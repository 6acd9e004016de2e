"""Choices of the intelligence app."""

from django.db import models


class CorrectionField(models.TextChoices):
    """What a staff correction changed."""

    DOMAIN = "domain", "领域"
    TYPE = "type", "类型"
    UNIT = "unit", "办理单位"
