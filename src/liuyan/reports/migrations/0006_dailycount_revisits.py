"""回访 figures (`DailyCount.revisit_base`, `revisited`, `revisits`, `revisits_satisfied`): the columns, and
their figures recounted once for the tables counted before they existed (reports.counts.recount_revisits;
the other figures are left as they are)."""

from django.db import migrations, models


def recount_revisits(apps, schema_editor):
    # The live counting code, not the historical models: the figures are defined there, and the migration
    # runs it once, right after the columns exist.
    from liuyan.reports.counts import recount_revisits as recount

    recount()


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0011_revisits_follow_up_queue"),
        ("reports", "0005_dailycount_ranked_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailycount",
            name="revisit_base",
            field=models.IntegerField(default=0, verbose_name="应回访"),
        ),
        migrations.AddField(
            model_name="dailycount",
            name="revisited",
            field=models.IntegerField(default=0, verbose_name="已回访"),
        ),
        migrations.AddField(
            model_name="dailycount",
            name="revisits",
            field=models.IntegerField(default=0, verbose_name="回访次数"),
        ),
        migrations.AddField(
            model_name="dailycount",
            name="revisits_satisfied",
            field=models.IntegerField(default=0, verbose_name="回访满意"),
        ),
        migrations.RunPython(recount_revisits, migrations.RunPython.noop, elidable=True),
    ]
