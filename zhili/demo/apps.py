from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Taiping demo: its loader, its synthetic names and its command (`zhili demo`). Nothing else imports it."""

    name = "zhili.demo"
    label = "demo"
    verbose_name = "演示数据"
