"""The public lists' partial indexes (issue 15): one per filter and order, holding public messages only."""

from django.db import migrations, models
from django.db.models.functions import Substr

PUBLIC = models.Q(
    ("hidden", False),
    ("merged_into", None),
    ("public", True),
    ("state__in", ["assigned", "closed", "in_progress", "published", "replied", "reply_review"]),
)
NEWEST = (
    models.OrderBy(models.F("published_at"), descending=True),
    models.OrderBy(models.F("id"), descending=True),
)


def public_in(*states) -> models.Q:
    return models.Q(("hidden", False), ("merged_into", None), ("public", True), ("state__in", list(states)))


def add(name: str, *expressions, condition=PUBLIC, include=()) -> migrations.AddIndex:
    return migrations.AddIndex(
        model_name="message",
        index=models.Index(*expressions, condition=condition, include=include, name=name),
    )


class Migration(migrations.Migration):
    dependencies = [("board", "0004_attachment_number")]

    operations = [
        add("message_public_newest", *NEWEST),
        add("message_public_waiting", *NEWEST, condition=public_in("assigned", "published")),
        add("message_public_handling", *NEWEST, condition=public_in("in_progress", "reply_review")),
        add("message_public_handled", *NEWEST, condition=public_in("closed", "replied")),
        add("message_public_leader", models.F("leader"), *NEWEST, include=("state",)),
        add(
            "message_public_campaign",
            models.F("campaign"),
            *NEWEST,
            condition=models.Q(
                ("hidden", False),
                ("merged_into", None),
                ("public", True),
                ("state__in", ["assigned", "closed", "in_progress", "published", "replied", "reply_review"]),
                ("campaign__isnull", False),
            ),
            include=("state",),
        ),
        add("message_public_province", Substr("region", 1, 2), *NEWEST, include=("state",)),
        add("message_public_prefecture", Substr("region", 1, 4), *NEWEST, include=("state",)),
        add(
            "message_public_support",
            models.OrderBy(models.F("support_count"), descending=True),
            *NEWEST,
            include=("state",),
        ),
    ]
