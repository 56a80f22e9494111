"""The WSGI application (gunicorn: `zhili.wsgi:application`).

After Django is set up, every URL pattern (and so every view, form and template tag module) is imported, and what
start-up made is moved out of the garbage collector's sight (`gc.freeze`): those objects live as long as the
process, and a full collection no longer walks them. A page that makes tens of thousands of objects (a city's
ranking: 25,000 cells) sets off a few full collections; with start-up frozen each costs a fraction. Freezing also
keeps those pages shared between gunicorn's forked workers (`--preload`) instead of copied on first collection.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
application = get_wsgi_application()


def freeze_start_up() -> None:
    """Import every view, collect what start-up left over, and freeze the rest (Python's `gc.freeze`)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports the URLconf, and with it the views
    gc.collect()
    gc.freeze()


freeze_start_up()
