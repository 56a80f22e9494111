"""A township's rosters: the village roster under the township's region page, the 花名册 beside the people page."""

from django.urls import path

from zhili.township import views
from zhili.township.importer import PEOPLE, REGIONS

app_name = "township"


def _roster(prefix: str, key: str) -> list:
    k = {"key": key}
    return [
        path(f"{prefix}/", views.roster, k, name=f"{key}_import"),
        path(f"{prefix}/template.xlsx", views.roster_template, k, name=f"{key}_template"),
        path(f"{prefix}/<int:pk>/", views.roster_job, k, name=f"{key}_import_job"),
        path(f"{prefix}/<int:pk>/rejected.xlsx", views.roster_rejected, k, name=f"{key}_import_rejected"),
    ]


urlpatterns = [
    *_roster("regions/<str:code>/roster", REGIONS),
    path("regions/<str:code>/roster/boundaries/", views.regions_boundaries, name="regions_boundaries"),
    path("people/roster/", views.people_import_start, name="people_import_start"),
    *_roster("people/roster/<str:code>", PEOPLE),
    path(
        "people/roster/<str:code>/<int:pk>/passwords.xlsx",
        views.people_import_passwords,
        name="people_import_passwords",
    ),
]
