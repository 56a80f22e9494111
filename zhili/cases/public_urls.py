"""Pages for citizens, without sign-in: 随手拍, following a case by its code, confidential tips."""

from django.urls import path

from zhili.cases import views

app_name = "public"

urlpatterns = [
    path("report/", views.public_report, name="report"),
    path("track/<str:code>/", views.track, name="track"),
    path("track/<str:code>/photos/<int:photo_id>", views.track_photo, name="track_photo"),
    path("tips/", views.tip, name="tip"),
]
