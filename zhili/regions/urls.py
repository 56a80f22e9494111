from django.urls import path

from zhili.regions import views

urlpatterns = [
    path("", views.region_index, name="region_index"),
    path("<str:code>/", views.region_detail, name="region_detail"),
    path("<str:code>/edit/", views.region_edit, name="region_edit"),
    path("<str:code>/children/new/", views.region_create_child, name="region_create_child"),
    path("<str:code>/merge/", views.village_merge, name="village_merge"),
]
