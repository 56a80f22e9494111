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
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/<str:verb>/", views.task_action, name="task_action"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    # authoring the year (编制年度目标)
    path("plan/", views.plan, name="plan"),
    path("plan/goals/new/", views.goal_new, name="goal_new"),
    path("plan/rollover/", views.rollover, name="rollover"),
    path("plan/lights/", views.light_rule, name="light_rule"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/tasks/new/", views.task_new, name="task_new"),
    path("goals/<int:pk>/<str:verb>/", views.goal_action, name="goal_action"),
    path("tasks/<int:pk>/indicators/new/", views.indicator_new, name="indicator_new"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/arrange/<str:verb>/", views.indicator_action, name="indicator_action"),
    path("import/<int:year>/", views.import_upload, name="import"),
    path("import/<int:year>/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:year>/<int:pk>/rejected.xlsx", views.import_rejected, name="import_rejected"),
]
