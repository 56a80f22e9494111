from django.urls import path

from zhili.ledgers import views

app_name = "ledgers"

urlpatterns = [
    path("", views.ledger_list, name="list"),
    path("definitions/upload/", views.definition_upload, name="definition_upload"),
    path("new/from-file/", views.infer_upload, name="infer"),
    path("new/from-file/<str:token>/", views.infer_fields, name="infer_fields"),
    path("<slug:code>/", views.ledger_detail, name="detail"),
    path("<slug:code>/rows/new/", views.row_add, name="row_add"),
    path("<slug:code>/rows/<int:pk>/", views.row_edit, name="row_edit"),
    path("<slug:code>/rows/<int:pk>/archive/", views.row_archive, name="row_archive"),
    path("<slug:code>/rows/<int:pk>/reveal/<str:field_key>/", views.row_reveal, name="row_reveal"),
    path("<slug:code>/export.xlsx", views.export, name="export"),
    path("<slug:code>/import/", views.import_upload, name="import"),
    path("<slug:code>/import/<int:pk>/", views.import_job, name="import_job"),
    path("<slug:code>/import/<int:pk>/rejected.xlsx", views.import_rejected, name="import_rejected"),
    path("<slug:code>/definition/", views.definition, name="definition"),
    path("<slug:code>/definition/edit/", views.definition_edit, name="definition_edit"),
]
