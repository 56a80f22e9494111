from django.urls import path
from django.views.i18n import set_language

from zhili.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("i18n/setlang/", views.login_not_required_set_language(set_language), name="set_language"),
]
