from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "zhili.imports"
    label = "imports"
    verbose_name = "导入"

    def ready(self):
        from zhili.core import jobs
        from zhili.imports import worker

        jobs.register(worker.run_once)
