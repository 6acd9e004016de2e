"""超期未回复 (`DailyCount.overdue`): the column, and its figures recounted once for the tables counted
before it existed (reports.counts.recount_overdue: one query over the unanswered messages with a
deadline; the other figures are left as they are)."""

from django.db import migrations, models


def recount_overdue(apps, schema_editor):
    # The live counting code, not the historical models: the figure is defined there, and the migration
    # runs it once, right after the column exists.
    from liuyan.reports.counts import recount_overdue as recount

    recount()


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0008_workbench_queue_indexes"),
        ("reports", "0003_uncounted_submission"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailycount",
            name="overdue",
            field=models.IntegerField(default=0, verbose_name="超期未回复"),
        ),
        migrations.RunPython(recount_overdue, migrations.RunPython.noop, elidable=True),
    ]
