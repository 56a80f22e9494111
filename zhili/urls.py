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
    path("", include("zhili.township.urls")),
    path("public/", include("zhili.cases.public_urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("zhili.cases.open311_urls")),
]
