"""Public works (公共工程、乡村振兴项目) and the park's land acquisition, under /projects/works/ (namespace works)."""

from django.urls import path

from zhili.projects import works_views as views

app_name = "works"

urlpatterns = [
    path("", views.work_list, name="list"),
    path("land/", views.land, name="land"),
    path("new/", views.work_new, name="new"),
    path("<int:pk>/", views.work_detail, name="detail"),
    path("<int:pk>/edit/", views.work_edit, name="edit"),
    path("<int:pk>/advance/", views.work_advance, name="advance"),
    path("<int:pk>/milestones/", views.work_milestone, name="milestone"),
    path("<int:pk>/funds/", views.work_funds, name="funds"),
    path("<int:pk>/milestones/<int:milestone_id>/<slug:which>", views.milestone_photo, name="photo"),
]
