"""The ledgers' step of "开始使用" on the home page (core/home.start_step): the offices' first ledger, made from
the spreadsheet they already keep — for those who may define ledgers, until there is one."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core.home import StartStep, start_step
from zhili.ledgers.models import Ledger
from zhili.people import policy
from zhili.people.scope import whole_subdistrict


@start_step
def ledgers_step(request) -> StartStep | None:
    sub = whole_subdistrict(request)
    if sub is None or not policy.define_ledger(request.scope, sub):
        return None
    n = Ledger.objects.active().filter(region=sub).count()
    return StartStep(
        40,
        _("台账 %(n)s 本") % {"n": n} if n else _("从表格新建台账：上传科室现有的 Excel 台账，核对字段后导入"),
        done=bool(n),
        url=reverse("ledgers:list" if n else "ledgers:infer"),
        detail="" if n else _("字段类型（日期、数字、身份证号、村（社区）等）由表格推断，保存前可以修改。"),
    )
