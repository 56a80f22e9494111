"""The three imports' pages (项目台账, 月度数据, 税收入库明细): the upload page with its template, then the shared
import pages (preview, confirm, rejected rows) of zhili.imports (`imports.views.SubdistrictImports`). `kind` is the
pages' word for the importer (ledger, monthly, receipts); `code` the subdistrict's."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from zhili.imports.views import SubdistrictImports
from zhili.projects import exports
from zhili.projects.importer import KINDS

PAGES = SubdistrictImports(
    kinds=KINDS,
    titles={
        "ledger": gettext_lazy("导入项目台账"),
        "monthly": gettext_lazy("导入项目月度数据"),
        "receipts": gettext_lazy("导入税收入库明细"),
    },
    url_name="projects:import",
    template_name="projects/import.html",
    refusal=gettext_lazy("您无权导入“%(name)s”的项目与税源数据。"),
    template_xlsx=exports.template_xlsx,
)
import_start, import_page, template, import_job, import_rejected = PAGES.views()
