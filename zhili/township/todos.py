"""The township's steps of "开始使用" on the home page (core/home.start_step): its villages and grids from the
村居名册, its people from the 花名册 — for those who may import them, until they are there."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core.home import StartStep, start_step
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import whole_subdistrict
from zhili.regions.models import Level, Region


@start_step
def villages_step(request) -> StartStep | None:
    sub = whole_subdistrict(request)
    if sub is None or not policy.import_roster(request.scope, sub):
        return None
    n = Region.objects.current().filter(parent=sub, level=Level.VILLAGE).count()
    return StartStep(
        10,
        _("导入村居名册：建好本乡镇（街道）的村（社区）和网格") if not n else _("村（社区）%(n)s 个") % {"n": n},
        done=bool(n),
        url=reverse("region_detail", args=[sub.code]) if n else reverse("township:regions_import", args=[sub.code]),
        detail="" if n else _("每行一个村或一个网格，直接用现有的 Excel 表（有标题行、合计行都可以）。"),
    )


@start_step
def people_step(request) -> StartStep | None:
    sub = whole_subdistrict(request)
    if sub is None or not policy.import_roster(request.scope, sub):
        return None
    n = Person.objects.filter(is_active=True, roles__region__path__startswith=sub.path).distinct().count()
    done = n > 1  # more than the first administrator
    return StartStep(
        20,
        _("人员 %(n)s 人") % {"n": n} if done else _("导入花名册：一次建好各单位、各村干部和网格员的账号与角色"),
        done=done,
        url=reverse("person_list") if done else reverse("township:people_import", args=[sub.code]),
        detail="" if done else _("新账号的初始密码只提供一次下载，首次登录时须修改。"),
    )
