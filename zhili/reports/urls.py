"""The 上报 pages (views.py), under /reports/ (namespace "reports"). A cell in a URL is a reference like "D7"; a
village is its region code."""

from django.urls import path

from zhili.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("new/", views.form_new, name="form_new"),
    path("<int:pk>/", views.form_detail, name="form"),
    path("<int:pk>/edit/", views.form_edit, name="form_edit"),
    path("<int:pk>/archive/", views.form_archive, name="form_archive"),
    path("<int:pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/template/", views.template_download, name="template"),
    path("<int:pk>/map/", views.map_page, name="map"),
    path("<int:pk>/map/cell/", views.map_cell, name="map_cell"),
    path("<int:pk>/map/unmap/", views.unmap_cell, name="unmap_cell"),
    path("<int:pk>/map/confirm/", views.confirm_move, name="confirm_move"),
    path("<int:pk>/fill/", views.fill, name="fill"),
    path("filings/<int:pk>/", views.filing_detail, name="filing"),
    path("filings/<int:pk>/values/", views.filing_values, name="filing_values"),
    path("filings/<int:pk>/submit/", views.filing_submit, name="filing_submit"),
    path("filings/<int:pk>/review/", views.filing_review, name="filing_review"),
    path("filings/<int:pk>/approve/", views.filing_approve, name="filing_approve"),
    path("filings/<int:pk>/return/", views.filing_return, name="filing_return"),
    path("filings/<int:pk>/send/", views.filing_send, name="filing_send"),
    path("filings/<int:pk>/correct/", views.filing_correct, name="filing_correct"),
    path("filings/<int:pk>/download/", views.filing_download, name="filing_download"),
    path("filings/<int:pk>/cell/<str:ref>/", views.trace, name="trace"),
    path("filings/<int:pk>/village/<str:code>/", views.village_row, name="village_row"),
    path("filings/<int:pk>/village/<str:code>/cell/<str:ref>/", views.trace, name="village_trace"),
]
