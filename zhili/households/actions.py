"""Writes of households: the setup and its lists, the counting fields kept on a household, and the reveals of
personal numbers. Each checks its right in policy, is atomic and leaves one audit entry per change."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, clock
from zhili.core.errors import Invalid, require
from zhili.households import defaults
from zhili.households.models import (
    Category,
    ChecklistItem,
    CheckState,
    Household,
    HouseholdCheck,
    HouseholdSetup,
    Member,
    Relation,
    Reveal,
    RevealField,
    Visit,
)
from zhili.households.queries import setup_of
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.regions.models import Region

audit.describe(
    {
        "households.reveal": gettext_lazy("查看完整个人信息"),
        "households.defaults": gettext_lazy("建立户类别和核查项目"),
    }
)


def ensure_defaults(subdistrict: Region) -> HouseholdSetup:
    """The setup, the categories and the checklist a subdistrict starts with, made once (idempotent). Called by
    the actions that first need them; what an office changes afterwards is its own."""
    setup = setup_of(subdistrict)
    if setup.pk is None:
        setup.save()
    if not Category.objects.filter(subdistrict=subdistrict).exists():
        Category.objects.bulk_create(
            [
                Category(subdistrict=subdistrict, code=code, name=name, order=i)
                for i, (code, name) in enumerate(defaults.CATEGORIES)
            ]
        )
    if not ChecklistItem.objects.filter(subdistrict=subdistrict).exists():
        ChecklistItem.objects.bulk_create(
            [
                ChecklistItem(subdistrict=subdistrict, code=code, group=group, name=name, test=test, order=i)
                for i, (code, group, name, test) in enumerate(defaults.CHECKLIST)
            ]
        )
    return setup


def refresh_households(household_ids) -> None:
    """Rewrite the counting fields kept on households (户主, 人口数, 最近走访, 未达标项) from their rows: called
    inside the transaction of every write that changes what they count. One UPDATE with correlated subqueries
    per 2,000 households (the database does the counting; a bulk_update's CASE per row grows with the batch)."""
    ids = sorted(set(household_ids))
    members = Member.objects.active().filter(household_id=OuterRef("pk"))
    head = members.filter(relation=Relation.HEAD).order_by("id").values("name")[:1]
    count = members.order_by().values("household_id").annotate(n=Count("id")).values("n")
    last = (
        Visit.objects.filter(household_id=OuterRef("pk"))
        .order_by()
        .values("household_id")
        .annotate(last=Max("visited_on"))
        .values("last")
    )
    failing = (
        HouseholdCheck.objects.filter(failing_q(), household_id=OuterRef("pk"))
        .order_by()
        .values("household_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    for k in range(0, len(ids), 2000):
        Household.objects.filter(pk__in=ids[k : k + 2000]).update(
            head_name=Coalesce(Subquery(head), Value("")),
            member_count=Coalesce(Subquery(count), 0),
            last_visit_on=Subquery(last),
            failing_items=Coalesce(Subquery(failing), 0),
        )


@transaction.atomic
def do_reveal(
    household: Household, *, field: str, member: Member | None = None, reason: str, actor: Person, scope: Scope
) -> str:
    """A member's identity or phone number (or the household's phone) in full, for someone whose work needs it,
    with the reason they give; every reveal is kept (`Reveal`) and in the audit log."""
    setup = setup_of(household.subdistrict)
    require(policy.reveal_personal(scope, household, setup), _("您的角色不能查看完整的身份证号或电话。"))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("请说明查看的原因（例如：核对医保参保信息）。"))
    if len(reason) > 200:
        raise Invalid(_("查看原因最多 200 字。"))
    if member is not None and member.household_id != household.pk:
        raise Invalid(_("该成员不属于这一户。"))
    if field == RevealField.IDENTITY and member is not None:
        value = member.identity
    elif field == RevealField.PHONE:
        value = member.phone if member is not None else household.phone
    else:
        raise Invalid(_("只能查看身份证号或联系电话。"))
    Reveal.objects.create(person=actor, household=household, member=member, field=field, reason=reason, at=clock.now())
    label = RevealField(field).label
    audit.record(
        actor,
        "households.reveal",
        member if member is not None else household,
        changes={"field": [None, str(label)]},
        reason=reason,
    )
    return value


def failing_q() -> Q:
    return Q(state=CheckState.FAILING, item__is_active=True)
