from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "liuyan.intelligence"
    verbose_name = "智能分析"

    def ready(self):
        # Imported once the models are loaded (they import models).
        from liuyan.board import announce
        from liuyan.intelligence import subscribers

        announce.submission_finished.connect(subscribers.index_submission)
        announce.event_recorded.connect(subscribers.auto_assign_published)
        announce.event_recorded.connect(subscribers.record_correction)
