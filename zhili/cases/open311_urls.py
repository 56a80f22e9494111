"""Open311 GeoReport v2, mounted at /open311/v2/ (see zhili/cases/open311.py)."""

from django.urls import path, re_path

from zhili.cases import open311

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(rf"^services{FMT}", open311.services, name="open311_services"),
    re_path(rf"^services/(?P<code>[-a-zA-Z0-9_]+){FMT}", open311.service_definition, name="open311_service"),
    re_path(rf"^requests{FMT}", open311.requests_view, name="open311_requests"),
    re_path(rf"^requests/(?P<number>[-a-zA-Z0-9_]+){FMT}", open311.request_detail, name="open311_request"),
    path("media/<int:pk>.jpg", open311.photo, name="open311_photo"),
]
