"""Findings become cases (问题清零): a failing checklist item, a visit's finding or a 回头看 result is reported
into the cases loop, under the subdistrict's 脱贫攻坚问题 category family, routed to the office in charge — so it
is tracked to zero there, with the cases' deadlines, lights and 销号. The record keeps the case it raised."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from zhili.cases import actions as case_actions
from zhili.cases.models import Case, CaseClass, Category, Source
from zhili.households.models import Household, HouseholdSetup
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.regions.models import Region

FINDING_FAMILY = "assistance"
# The family and its kinds belong to the household work, not to whoever reports its first finding (a village cadre,
# an assistance officer, the office in charge), who may not configure the cases loop: they are made on the work's
# behalf (still audited as that person's act).
ON_BEHALF = Scope(person_id=None, is_superuser=True)
FINDING_KINDS = {
    "visit": (gettext_lazy("走访发现问题"), 15),
    "checklist": (gettext_lazy("两不愁三保障未达标"), 30),
    "lookback": (gettext_lazy("回头看发现问题"), 15),
}


def finding_category(subdistrict: Region, setup: HouseholdSetup, kind: str, *, actor: Person, scope: Scope) -> Category:
    """The category a finding of `kind` is reported under; the family (脱贫攻坚问题) and its kinds are made once,
    through the cases app's own actions (audited there), routed to the office in charge."""
    code = f"{FINDING_FAMILY}-{kind}"
    found = Category.objects.filter(subdistrict=subdistrict, code=code).first()
    if found is not None:
        return found
    family = Category.objects.filter(subdistrict=subdistrict, code=FINDING_FAMILY).first()
    if family is None:
        family = case_actions.do_save_category(
            subdistrict,
            {
                "code": FINDING_FAMILY,
                "name": str(gettext_lazy("脱贫攻坚问题")),
                "time_limit_days": 30,
                "case_class": CaseClass.COORDINATED,
            },
            actor=actor,
            scope=ON_BEHALF,
        )
    label, days = FINDING_KINDS[kind]
    category = case_actions.do_save_category(
        subdistrict,
        {
            "code": code,
            "name": str(label),
            "time_limit_days": days,
            "case_class": CaseClass.COORDINATED,
            "parent": family,
        },
        actor=actor,
        scope=ON_BEHALF,
    )
    if setup.unit is not None:
        case_actions.do_set_route(
            category, grid=None, unit=setup.unit, to_own_village=False, person=None, actor=actor, scope=ON_BEHALF
        )
    return category


def raise_case(
    household: Household,
    setup: HouseholdSetup,
    kind: str,
    description: str,
    *,
    actor: Person,
    scope: Scope,
    source: str = Source.STAFF,
    client_ref: str = "",
) -> Case:
    """Report a finding about `household` as a case of its village (inside the caller's transaction)."""
    category = finding_category(household.subdistrict, setup, kind, actor=actor, scope=scope)
    return case_actions.do_report_case(
        subdistrict=household.subdistrict,
        category=category,
        description=description,
        actor=actor,
        scope=scope,
        source=source,
        region=household.region,
        address=household.address,
        client_ref=client_ref,
    )
