from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "zhili.targets"
    label = "targets"
    verbose_name = "目标任务"

    def ready(self):
        # Register the built-in indicator sources and the home page's reminders.
        from zhili.targets import reminders, sources  # noqa: F401
