from django.urls import path

from zhili.targets import views

app_name = "targets"

urlpatterns = [
    path("", views.board, name="board"),
    path("export.xlsx", views.export, name="export"),
    path("ranking/", views.ranking_view, name="ranking"),
    path("ranking/publish/", views.publish_ranking, name="publish_ranking"),
    path("reminders/", views.reminders, name="reminders"),
    path("reminders/<int:pk>/<str:verb>/", views.reminder_action, name="reminder_action"),
    path("activities/", views.activities, name="activities"),
    path("indicators/<int:pk>/", views.indicator, name="indicator"),
    path("indicators/<int:pk>/report/", views.report, name="report"),
    path("indicators/<int:pk>/shares/", views.shares, name="shares"),
    path("indicators/<int:pk>/remind/", views.remind_villages, name="remind_villages"),
    path("indicators/<int:pk>/reopen/", views.reopen_period, name="reopen_period"),
    path("indicators/<int:pk>/villages/<str:code>/", views.records, name="records"),
    path("entries/<int:pk>/correct/", views.correct, name="correct"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("tasks/<int:pk>/<str:verb>/", views.task_action, name="task_action"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
]
