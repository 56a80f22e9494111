"""The party-building pages (党建), under /party/."""

from django.urls import path

from zhili.party import views

app_name = "party"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("branches/<int:pk>/", views.branch, name="branch"),
    path("branches/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("branches/<int:pk>/members/new/", views.member_new, name="member_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/minutes", views.minutes, name="minutes"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/archive/", views.member_archive, name="member_archive"),
    path("talks/", views.talks, name="talks"),
    path("geese/", views.geese, name="geese"),
    path("setup/", views.setup_page, name="setup"),
]
