from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "zhili.ledgers"
    label = "ledgers"
    verbose_name = "台账"

    def ready(self):
        # registers the "ledger" indicator source and the "ledger" importer
        from zhili.ledgers import importer, source  # noqa: F401
