"""Imported messages (board/imports.py): the source's 留言编号, unique when set, and its 反对数."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0002_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="oppose_count",
            field=models.PositiveIntegerField(default=0, verbose_name="反对数"),
        ),
        migrations.AddField(
            model_name="message",
            name="source_ref",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=40, verbose_name="来源编号"
            ),
        ),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source_ref", ""), _negated=True),
                fields=("source_ref",),
                name="message_unique_source_ref",
            ),
        ),
    ]
