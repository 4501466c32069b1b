from django.apps import AppConfig


class PacketsConfig(AppConfig):
    name = "reprostore.packets"
    label = "packets"
    verbose_name = "Outpack packets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
