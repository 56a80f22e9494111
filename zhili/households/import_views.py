"""The two imports' pages (防返贫监测系统导出, 低保名册): the upload page with its template, then the shared import
pages (preview, confirm, rejected rows) of zhili.imports (`imports.views.SubdistrictImports`). `kind` is the pages'
word for the importer (poverty, dibao); `code` the subdistrict's."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from zhili.households import exports
from zhili.households.importer import KINDS
from zhili.imports.views import SubdistrictImports

PAGES = SubdistrictImports(
    kinds=KINDS,
    titles={
        "poverty": gettext_lazy("导入防返贫监测系统导出"),
        "dibao": gettext_lazy("导入低保名册"),
    },
    url_name="household_registry:import",
    template_name="households/registry/import.html",
    refusal=gettext_lazy("您无权导入“%(name)s”的户籍。"),
    template_xlsx=exports.template_xlsx,
)
import_start, import_page, template, import_job, import_rejected = PAGES.views()
