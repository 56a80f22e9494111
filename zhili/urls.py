"""The site's URLs: each app lists its own (its urls.py); names stay unprefixed for core, people and regions."""

from django.urls import include, path

from zhili.api.api import api

urlpatterns = [
    path("", include("zhili.core.urls")),
    path("", include("zhili.people.urls")),
    path("regions/", include("zhili.regions.urls")),
    path("targets/", include("zhili.targets.urls")),
    path("ledgers/", include("zhili.ledgers.urls")),
    path("cases/", include("zhili.cases.urls")),
    path("households/registry/", include("zhili.households.registry_urls")),
    path("projects/works/", include("zhili.projects.works_urls")),
    path("projects/", include("zhili.projects.urls")),
    path("households/rounds/", include("zhili.households.rounds_urls")),
    path("duty/", include("zhili.duty.urls")),
    path("party/", include("zhili.party.urls")),
    path("bulletins/", include("zhili.bulletins.urls")),
    path("reports/", include("zhili.reports.urls")),
    # 民生户籍: the registry and the 回头看 rounds above, the assistance pages (list, a household, visits, coverage)
    path("households/", include("zhili.households.urls")),
    path("", include("zhili.township.urls")),
    path("public/", include("zhili.cases.public_urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("zhili.cases.open311_urls")),
]
