from django.urls import path

from zhili.township import views

app_name = "township"

urlpatterns = [
    path("regions/<str:code>/roster/", views.regions_import, name="regions_import"),
    path("regions/<str:code>/roster/template.xlsx", views.regions_template, name="regions_template"),
    path("regions/<str:code>/roster/<int:pk>/", views.regions_import_job, name="regions_import_job"),
    path(
        "regions/<str:code>/roster/<int:pk>/rejected.xlsx",
        views.regions_import_rejected,
        name="regions_import_rejected",
    ),
    path("people/roster/", views.people_import_start, name="people_import_start"),
    path("people/roster/<str:code>/", views.people_import, name="people_import"),
    path("people/roster/<str:code>/template.xlsx", views.people_template, name="people_template"),
    path("people/roster/<str:code>/<int:pk>/", views.people_import_job, name="people_import_job"),
    path(
        "people/roster/<str:code>/<int:pk>/rejected.xlsx",
        views.people_import_rejected,
        name="people_import_rejected",
    ),
    path(
        "people/roster/<str:code>/<int:pk>/passwords.xlsx",
        views.people_import_passwords,
        name="people_import_passwords",
    ),
]
