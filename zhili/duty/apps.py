from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "zhili.duty"
    verbose_name = _("村干部坐班")
