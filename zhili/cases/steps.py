"""A step's arguments as a person sent them — an office's code, a village's code, a handler's id, a master case's
number — resolved once, for the page and the API alike, through what the person may see. Unknown and invisible
are answered with the same sentence, so the answer tells nothing about what exists outside the person's scope
(a confidential tip's number is not told apart from a number nobody used)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhili.cases import queries
from zhili.cases.models import Case
from zhili.core.errors import Invalid
from zhili.people.models import Person, Unit
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region, path_prefix_q

UNIT_REFUSED = gettext_noop("处置单位不属于本街道。")
VILLAGE_REFUSED = gettext_noop("请选择本街道的村（社区）。")
HANDLER_REFUSED = gettext_noop(
    "所选责任人不能办理派给该单位或村（社区）的案件：请选择该单位的工作人员或该村（社区）的干部。"
)
MASTER_REFUSED = gettext_noop("请选择本街道一个未结案的主案件。")


def resolve(
    case: Case, scope: Scope, *, unit: str = "", village: str = "", handler: int | None = None, master: str = ""
) -> dict:
    """The keyword arguments for `actions.do_act`: Unit, Region, Person and Case objects for what was sent."""
    out: dict = {}
    if unit := (unit or "").strip():
        out["unit"] = Unit.objects.active().filter(region=case.subdistrict, code=unit).select_related("region").first()
        if out["unit"] is None:
            raise Invalid(_(UNIT_REFUSED))
    if village := (village or "").strip():
        out["village"] = (
            Region.objects.filter(code=village, level=Level.VILLAGE)
            .filter(path_prefix_q("path", case.subdistrict.path))
            .first()
        )
        if out["village"] is None:
            raise Invalid(_(VILLAGE_REFUSED))
    if handler is not None:
        out["handler"] = Person.objects.filter(pk=handler, is_active=True).first()
        if out["handler"] is None:
            raise Invalid(_(HANDLER_REFUSED))
    if master := (master or "").strip():
        out["master"] = queries.visible(scope).filter(number=master, subdistrict=case.subdistrict).first()
        if out["master"] is None:
            raise Invalid(_(MASTER_REFUSED))
    return out
