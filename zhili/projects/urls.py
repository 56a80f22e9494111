"""The projects and tax-source pages (经发办), under /projects/."""

from django.urls import path

app_name = "projects"

urlpatterns: list = []

# ---- pages: the 经发办 overview, projects, enterprises, gaps, requests ----------------------------
urlpatterns += []

# ---- imports: the three templates, upload, preview, rejected rows ----------------------------------
# `kind`: ledger (项目台账), monthly (月度数据), receipts (税收入库明细); `code`: the subdistrict's
from zhili.projects import import_views  # noqa: E402

urlpatterns += [
    path("imports/<str:kind>/", import_views.import_start, name="import_start"),
    path("imports/<str:kind>/template.xlsx", import_views.template, name="template"),
    path("imports/<str:kind>/<str:code>/", import_views.import_page, name="import"),
    path("imports/<str:kind>/<str:code>/<int:pk>/", import_views.import_job, name="import_job"),
    path("imports/<str:kind>/<str:code>/<int:pk>/rejected.xlsx", import_views.import_rejected, name="import_rejected"),
]
