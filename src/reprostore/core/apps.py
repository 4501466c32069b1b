from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reprostore.core"
    label = "core"
    verbose_name = "reprostore server"
