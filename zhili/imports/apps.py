from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "zhili.imports"
    label = "imports"
    verbose_name = "导入"
