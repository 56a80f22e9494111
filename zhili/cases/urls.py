from django.urls import path

from zhili.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("map/", views.case_map, name="map"),
    path("map.json", views.case_geojson, name="geojson"),
    path("report/", views.case_report, name="report"),
    path("duplicates.json", views.duplicates, name="duplicates"),
    path("patrol/", views.patrol, name="patrol"),
    path("stats/", views.statistics, name="stats"),
    path("stats.xlsx", views.statistics_xlsx, name="stats_xlsx"),
    path("findings/", views.findings, name="findings"),
    path("categories/", views.categories, name="categories"),
    path("routes/", views.route_set, name="route_set"),
    path("rule/", views.rule_save, name="rule_save"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.case_act, name="act"),
    path("<int:pk>/photos/<int:photo_id>/<slug:which>", views.case_photo, name="photo"),
]
