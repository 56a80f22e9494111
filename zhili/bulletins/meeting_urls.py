"""The review meetings' pages (点评会, 督办事项), under /bulletins/meetings/ (included by urls.py)."""

from django.urls import path

from zhili.bulletins import meeting_views as views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/decisions/new/", views.decision_new, name="decision_new"),
    path("meetings/decisions/", views.decision_list, name="decisions"),
    path("meetings/decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("meetings/decisions/<int:pk>/report/", views.decision_report, name="decision_report"),
    path("meetings/decisions/<int:pk>/close/", views.decision_close, name="decision_close"),
    path("meetings/decisions/<int:pk>/return/", views.decision_return, name="decision_return"),
]
