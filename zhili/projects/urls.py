"""The projects and tax-source pages (经发办), under /projects/."""

from django.urls import path

from zhili.projects import import_views, views

app_name = "projects"

urlpatterns: list = []

# ---- pages: the 经发办 overview, projects, enterprises, gaps, requests ----------------------------
urlpatterns += [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="overview"),
    path("list/", views.project_list, name="list"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("investment/", views.investment, name="investment"),
    path("receipts/", views.receipts, name="receipts"),
    path("gap/", views.gap, name="gap"),
    path("gap/export.xlsx", views.gap_export, name="gap_export"),
    path("enterprises/", views.enterprise_list, name="enterprises"),
    path("enterprises/new/", views.enterprise_new, name="enterprise_new"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("enterprises/<int:pk>/requests/", views.request_add, name="request_add"),
    path("setup/", views.setup_page, name="setup"),
]

# ---- imports: the three templates, upload, preview, rejected rows ----------------------------------
# `kind`: ledger (项目台账), monthly (月度数据), receipts (税收入库明细); `code`: the subdistrict's
urlpatterns += [
    path("imports/<str:kind>/", import_views.import_start, name="import_start"),
    path("imports/<str:kind>/template.xlsx", import_views.template, name="template"),
    path("imports/<str:kind>/<str:code>/", import_views.import_page, name="import"),
    path("imports/<str:kind>/<str:code>/<int:pk>/", import_views.import_job, name="import_job"),
    path("imports/<str:kind>/<str:code>/<int:pk>/rejected.xlsx", import_views.import_rejected, name="import_rejected"),
]
