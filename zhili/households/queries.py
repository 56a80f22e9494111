"""Reads of households, scoped (people/scope.py) and with a fixed number of queries whatever the number of
households."""

from __future__ import annotations

from zhili.households.defaults import CIVIL_UNIT
from zhili.households.models import HouseholdSetup
from zhili.people.models import Unit
from zhili.regions.models import Region


def setup_of(subdistrict: Region) -> HouseholdSetup:
    """The subdistrict's household setup; unsaved defaults when nobody has set it yet (the office in charge: its
    民政办, unit code `civil`, when it has one)."""
    found = HouseholdSetup.objects.select_related("region", "unit").filter(region=subdistrict).first()
    if found is not None:
        return found
    setup = HouseholdSetup(region=subdistrict)
    setup.unit = Unit.objects.active().filter(region=subdistrict, code=CIVIL_UNIT).first()
    return setup


def mask_identity(value: str) -> str:
    """370125********123X: enough to tell people apart, not to misuse (as ledgers mask them)."""
    if len(value) >= 10:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    return "*" * len(value)


def mask_phone(value: str) -> str:
    """138****5678."""
    if len(value) >= 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "*" * len(value)
