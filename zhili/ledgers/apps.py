from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "zhili.ledgers"
    label = "ledgers"
    verbose_name = "台账"
