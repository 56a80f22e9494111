from django.apps import AppConfig


class TownshipConfig(AppConfig):
    name = "zhili.township"
    label = "township"
    verbose_name = "乡镇（街道）的建立与名册"
