"""The region page's panels: what other apps show about a region (people: who answers for it, the chain).

An app registers `(request, region) -> dict` with @panel in its `panels.py` (found by name, see CoreConfig.ready);
the region page adds every panel's context to its own. The region browser thus shows people without importing
them: people depend on regions, not the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from zhili.regions.models import Region

Panel = Callable[[HttpRequest, Region], dict[str, Any]]
_PANELS: list[Panel] = []


def panel(fn: Panel) -> Panel:
    _PANELS.append(fn)
    return fn


def context_for(request: HttpRequest, region: Region) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fn in _PANELS:
        out.update(fn(request, region))
    return out
