"""Attachments get a number (附件1, 附件2 …), the name they are shown and served under, and no longer keep
the uploaded file's name, which often held the citizen's name or phone number."""

from django.db import migrations, models


def number_existing(apps, schema_editor):
    Attachment = apps.get_model("board", "Attachment")
    numbers: dict[int, int] = {}
    for attachment in Attachment.objects.order_by("message_id", "id").only("id", "message_id"):
        numbers[attachment.message_id] = numbers.get(attachment.message_id, 0) + 1
        Attachment.objects.filter(pk=attachment.pk).update(number=numbers[attachment.message_id])


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0003_import_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="number",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="序号"),
            preserve_default=False,
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="attachment",
            constraint=models.UniqueConstraint(fields=["message", "number"], name="attachment_number_unique"),
        ),
        # With a default, so that going back to 0003 can put the column back for the existing rows.
        migrations.AlterField(
            model_name="attachment",
            name="original_name",
            field=models.CharField(blank=True, default="", max_length=200, verbose_name="原文件名"),
        ),
        migrations.RemoveField(
            model_name="attachment",
            name="original_name",
        ),
    ]
