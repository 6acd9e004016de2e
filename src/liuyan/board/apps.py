from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BoardConfig(AppConfig):
    name = "liuyan.board"
    verbose_name = "留言"

    def ready(self):
        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(sender, using, **kwargs):
    # Imported here, not at the top: search imports the board's models, which load after this module.
    from django.db import connections

    from liuyan.board.search import ensure_postgres_vector, ensure_sqlite_index

    ensure_sqlite_index(connections[using])
    ensure_postgres_vector(connections[using])
