from django.apps import AppConfig


class QueryConfig(AppConfig):
    name = "reprostore.query"
    default_auto_field = "django.db.models.BigAutoField"
