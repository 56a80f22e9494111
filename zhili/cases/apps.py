from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "zhili.cases"
    verbose_name = _("网格事件")

    def ready(self):
        from zhili.cases import home, source  # noqa: F401 — registers the to-do section and the indicator source
