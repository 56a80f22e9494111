"""Reads of projects and tax sources, scoped (people/scope.py) and with a fixed number of queries whatever the
number of projects or months."""

from __future__ import annotations

from zhili.excel import values as xv
from zhili.people.models import Unit
from zhili.projects.models import TaxSetup
from zhili.regions.models import Region

ECONOMY_UNIT = "economy"  # the office a new setup names as in charge, where the subdistrict has one by this code


def setup_of(subdistrict: Region) -> TaxSetup:
    """The subdistrict's tax-monitoring setup; unsaved defaults when nobody has set it yet: the county is the
    district's own code when that is a county code of GB/T 2260, the office in charge its 经发办 (unit code
    `economy`) when it has one."""
    found = TaxSetup.objects.select_related("region", "unit").filter(region=subdistrict).first()
    if found is not None:
        return found
    setup = TaxSetup(region=subdistrict)
    parent = subdistrict.parent
    if parent is not None:
        try:
            county = xv.parse_county(parent.code).value
        except xv.ValueProblem:
            county = None
        if county is not None:
            setup.county_code = county.code
    setup.unit = Unit.objects.active().filter(region=subdistrict, code=ECONOMY_UNIT).first()
    return setup
