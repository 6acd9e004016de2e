"""A desk's and a leader's queues read the rows of one state in each region of their subtree from an index on
(region, state). Before, PostgreSQL intersected each region's rows with a bitmap of the whole country's rows in
that state, built once per region: at ten million messages that bitmap held 300,000 rows, and a prefecture's
desk page read tens of thousands of pages.

The region's own foreign-key index (and PostgreSQL's pattern-ops twin of it) goes: `message_region_published`
and the new index both begin with the region, so the table keeps as many indexes as before. Only the indexes
are dropped — the foreign-key constraint stays, and is not validated again over every row.
"""

from django.db import migrations, models
from django.db.models import deletion

FOREIGN_KEY_INDEXES = ["board_message_region_id_7338b8fe", "board_message_region_id_7338b8fe_like"]


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0014_event_reclassified"),
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="region",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=deletion.PROTECT,
                        related_name="messages",
                        to="directory.region",
                        verbose_name="所涉地区",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in FOREIGN_KEY_INDEXES],
                    reverse_sql=[
                        'CREATE INDEX IF NOT EXISTS "board_message_region_id_7338b8fe" '
                        'ON "board_message" ("region_id")'
                    ],
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["region", "state"], name="message_region_state"),
        ),
    ]
