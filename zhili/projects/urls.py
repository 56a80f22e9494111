"""The projects and tax-source pages (经发办), under /projects/."""

from django.urls import path  # noqa: F401 — used by the sections below

app_name = "projects"

urlpatterns: list = []

# ---- pages: the 经发办 overview, projects, enterprises, gaps, requests ----------------------------
urlpatterns += []

# ---- imports: the three templates, upload, preview, rejected rows ----------------------------------
urlpatterns += []
