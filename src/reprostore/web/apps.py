from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "reprostore.web"
    label = "web"
