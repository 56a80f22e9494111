from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "zhili.targets"
    label = "targets"
    verbose_name = "目标任务"

    def ready(self):
        from zhili.targets import kept

        kept.connect()  # saves, deletes and audited actions of counted records mark the kept figures
