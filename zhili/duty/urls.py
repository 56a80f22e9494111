"""The office-duty pages (村干部坐班), under /duty/."""

from django.urls import path

from zhili.duty import views

app_name = "duty"

urlpatterns = [
    path("", views.sign_in, name="sign_in"),
    path("attendance/", views.attendance, name="attendance"),
    path("attendance/<str:code>/", views.village, name="village"),
    path("attendance/<str:code>/<int:pk>/", views.cadre, name="cadre"),
    path("setup/", views.setup_page, name="setup"),
    path("setup/offices/<str:code>/", views.office, name="office"),
]
