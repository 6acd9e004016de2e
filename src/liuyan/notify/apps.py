from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "liuyan.notify"
    verbose_name = "通知"

    def ready(self):
        # Imported once the models are loaded (they import models). webhooks also connects the signal that
        # refreshes its cache.
        from liuyan.board import announce
        from liuyan.notify import subscribers

        # Webhooks first, then notifications: the order the board's actions had them in.
        announce.event_recorded.connect(subscribers.enqueue_webhooks)
        announce.event_recorded.connect(subscribers.tell)
        announce.submission_finished.connect(subscribers.tell_submitted)
