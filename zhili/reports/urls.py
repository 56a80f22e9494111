from django.urls import path  # noqa: F401 — the pages are added by their owner

app_name = "reports"

urlpatterns: list = []
