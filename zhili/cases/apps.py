from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "zhili.cases"
    verbose_name = _("网格事件")

    def ready(self):
        from zhili.cases import home, senders, source  # noqa: F401 — registers the to-do section and the indicator source
        from zhili.core import jobs

        jobs.register(senders.forget_old_now_and_then)  # senders' digests go once the window is over, reports or not
