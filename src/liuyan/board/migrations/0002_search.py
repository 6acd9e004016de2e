"""Full-text search (board/search.py): the segmented tokens of each message and their index, a GIN index on
PostgreSQL and an FTS5 table kept by triggers on SQLite. Existing rows are filled by `liuyan reindex_search`."""

from django.db import migrations, models

SQLITE_SETUP = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS board_message_fts USING fts5(
        search_tokens, content='board_message', content_rowid='id', tokenize='unicode61')""",
    """CREATE TRIGGER IF NOT EXISTS board_message_fts_insert AFTER INSERT ON board_message BEGIN
        INSERT INTO board_message_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END""",
    """CREATE TRIGGER IF NOT EXISTS board_message_fts_delete AFTER DELETE ON board_message BEGIN
        INSERT INTO board_message_fts(board_message_fts, rowid, search_tokens)
        VALUES ('delete', old.id, old.search_tokens);
    END""",
    """CREATE TRIGGER IF NOT EXISTS board_message_fts_update AFTER UPDATE OF search_tokens ON board_message
    BEGIN
        INSERT INTO board_message_fts(board_message_fts, rowid, search_tokens)
        VALUES ('delete', old.id, old.search_tokens);
        INSERT INTO board_message_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END""",
    "INSERT INTO board_message_fts(board_message_fts) VALUES ('rebuild')",
]
SQLITE_TEARDOWN = [
    "DROP TRIGGER IF EXISTS board_message_fts_insert",
    "DROP TRIGGER IF EXISTS board_message_fts_delete",
    "DROP TRIGGER IF EXISTS board_message_fts_update",
    "DROP TABLE IF EXISTS board_message_fts",
]
# The expression must stay exactly the one board/search.py queries with, or the index goes unused.
POSTGRES_SETUP = [
    "CREATE INDEX IF NOT EXISTS message_search_tokens_gin ON board_message "
    "USING GIN (to_tsvector('simple'::regconfig, search_tokens))"
]
POSTGRES_TEARDOWN = ["DROP INDEX IF EXISTS message_search_tokens_gin"]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_SETUP, "sqlite": SQLITE_SETUP}.get(vendor, []):
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_TEARDOWN, "sqlite": SQLITE_TEARDOWN}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="search_tokens",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="检索词"),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["state", "-replied_at"], name="message_state_replied"),
        ),
        migrations.CreateModel(
            name="MessageSearchEntry",
            fields=[
                (
                    "message",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="board.message",
                    ),
                ),
                ("search_tokens", models.TextField()),
                ("rank", models.FloatField()),
            ],
            options={
                "db_table": "board_message_fts",
                "managed": False,
            },
        ),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
