from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "liuyan.reports"
    verbose_name = "统计报表"

    def ready(self):
        # Imported once the models are loaded (they import models).
        from liuyan.board import announce
        from liuyan.reports import subscribers

        announce.message_changing.connect(subscribers.count_change)
        announce.message_submitted.connect(subscribers.count_submission)
        announce.keep_backlog(subscribers.BACKLOG)
