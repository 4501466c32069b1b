from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "reprostore.records"
    label = "records"
    verbose_name = "Sumatra records"
    default_auto_field = "django.db.models.BigAutoField"
