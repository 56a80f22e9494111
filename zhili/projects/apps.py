from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "zhili.projects"
    verbose_name = _("项目与税源")

    def ready(self) -> None:
        # public works' source and actions are not named source.py / actions.py (what the autodiscovery finds):
        # imported here, so the source is registered and the audit log names the actions
        from zhili.projects import works_actions, works_source  # noqa: F401
