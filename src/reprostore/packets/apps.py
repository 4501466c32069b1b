from django.apps import AppConfig


class PacketsConfig(AppConfig):
    name = "reprostore.packets"
    label = "packets"
    verbose_name = "Outpack packets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from reprostore.lib.metrics import register_collector

        from . import checks  # noqa: F401 - registers the system checks
        from .metrics import OutpackStoreCollector

        register_collector("outpack store", OutpackStoreCollector())
