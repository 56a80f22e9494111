"""Trainings for assistance officers and 回头看 rounds, under /households/rounds/ (namespace hhrounds)."""

from django.urls import path

from zhili.households import rounds_views as views

app_name = "hhrounds"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_new, name="new"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/assign/", views.round_assign, name="assign"),
    path("<int:pk>/targets/", views.round_targets, name="targets"),
    path("targets/<int:pk>/", views.target_result, name="target"),
    path("trainings/", views.training_list, name="trainings"),
    path("trainings/new/", views.training_new, name="training_new"),
    path("trainings/<int:pk>/", views.training_detail, name="training"),
    path("trainings/<int:pk>/attendance/", views.training_attendance, name="attendance"),
]
