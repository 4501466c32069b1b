from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "reprostore.records"
    label = "records"
    verbose_name = "Sumatra records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from reprostore.lib.metrics import register_collector

        from .metrics import RecordsCollector

        register_collector("records", RecordsCollector())
