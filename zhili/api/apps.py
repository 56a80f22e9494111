from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "zhili.api"
    label = "api"
    verbose_name = "API"
