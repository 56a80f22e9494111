"""The register's pages: households and members (add, edit, archive), the name reviews, the imports and the
personal-data export. Included as `households/registry/`."""

from django.urls import path

from zhili.households import import_views, registry_views

app_name = "household_registry"

urlpatterns = [
    path("new/", registry_views.household_new, name="household_new"),
    path("<int:pk>/", registry_views.household_edit, name="household_edit"),
    path("<int:pk>/members/new/", registry_views.member_new, name="member_new"),
    path("members/<int:pk>/", registry_views.member_edit, name="member_edit"),
    path("members/<int:pk>/archive/", registry_views.member_archive, name="member_archive"),
    path("reviews/", registry_views.reviews, name="reviews"),
    path("reviews/<int:pk>/", registry_views.review_decide, name="review_decide"),
    path("export/", registry_views.export, name="export"),
    path("import/<slug:kind>/", import_views.import_start, name="import_start"),
    path("import/<slug:kind>/template.xlsx", import_views.template, name="template"),
    path("import/<slug:kind>/<str:code>/", import_views.import_page, name="import"),
    path("import/<slug:kind>/<str:code>/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/<slug:kind>/<str:code>/<int:pk>/rejected.xlsx", import_views.import_rejected, name="import_rejected"),
]
