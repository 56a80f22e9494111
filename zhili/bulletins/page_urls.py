"""The weekly bulletin's pages (views.py), included by urls.py under /bulletins/ (namespace "bulletins"). A week
in a URL is an ISO week ("2020-W40"): the converter matches nothing else, so the delivery log's and the review
meetings' pages under the same prefix are never taken for a week."""

from django.urls import path, register_converter

from zhili.bulletins import views


class WeekConverter:
    regex = r"\d{4}-W\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(WeekConverter, "week")

urlpatterns = [
    path("", views.archive, name="archive"),
    path("setup/", views.setup_page, name="setup"),
    path("build/", views.build, name="build"),
    path("<week:week>/", views.week, name="week"),
    path("<week:week>/v<int:version>/", views.version, name="version"),
    path("<week:week>/v<int:version>/publish/", views.publish, name="publish"),
    path("<week:week>/v<int:version>/bulletin.<str:fmt>", views.download, name="download"),
]
