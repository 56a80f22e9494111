from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "zhili.ledgers"
    label = "ledgers"
    verbose_name = "台账"

    def ready(self):
        from zhili.core import jobs
        from zhili.ledgers import source, worker  # noqa: F401 — registers the "ledger" indicator source

        jobs.register(worker.run_once)
