from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jiayuan.api"
    verbose_name = "API"
