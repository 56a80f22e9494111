from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhili.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        """Every app's plug-ins, by module name: `source.py` (indicator sources, targets/sources.py's registry),
        `todos.py` (the home page's to-dos and cockpit panels, core/home.py), `jobs.py` (background work, core/jobs.py),
        `panels.py` (what the region page shows about a region, regions/panels.py), `importer.py` (importers of
        the one import pipeline, imports/registry.py), `actions.py` (every write; each app names its actions
        for the audit log there, core/audit.describe) and `health.py` (how an app's queue stands, for /readyz,
        core/health.py). The system checks of `zhili check` register on import (core/checks.py)."""
        from django.utils.module_loading import autodiscover_modules

        from zhili.core import checks  # noqa: F401

        autodiscover_modules("source", "todos", "jobs", "panels", "importer", "actions", "health")
