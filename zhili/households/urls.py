"""The 民生户籍 pages, under /households/."""

from django.urls import path

from zhili.households import views

app_name = "households"

urlpatterns: list = []

# ---- the list, coverage, a household, visits (the assistance pages: views.py) ----------------------------------
urlpatterns += [
    path("", views.household_list, name="list"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("failing/", views.failing_page, name="failing"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/visit/", views.visit_new, name="visit"),
    path("<int:pk>/check/", views.check_item, name="check"),
    path("<int:pk>/measures/", views.measure_add, name="measure"),
    path("<int:pk>/officer/", views.officer_set, name="officer"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path(
        "<int:pk>/visits/<int:visit_id>/photos/<int:photo_id>/<str:which>",
        views.visit_photo,
        name="visit_photo",
    ),
]

# ---- the registry (members, imports, name reviews, exports): its own url module, added here ---------------------

# ---- trainings and 回头看 rounds: their own url module, added here -----------------------------------------------
