from django.urls import include, path
from django.views.i18n import set_language

from zhili.api.api import api
from zhili.core import views as core_views
from zhili.people import views as people_views
from zhili.regions import views as region_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", core_views.login_not_required_set_language(set_language), name="set_language"),
    path("login/", people_views.login_view, name="login"),
    path("logout/", people_views.logout_view, name="logout"),
    path("regions/", region_views.region_index, name="region_index"),
    path("regions/<str:code>/", region_views.region_detail, name="region_detail"),
    path("regions/<str:code>/edit/", region_views.region_edit, name="region_edit"),
    path("regions/<str:code>/children/new/", region_views.region_create_child, name="region_create_child"),
    path("regions/<str:code>/merge/", region_views.village_merge, name="village_merge"),
    path("regions/<str:code>/chain/", region_views.chain_edit, name="chain_edit"),
    path("people/", people_views.person_list, name="person_list"),
    path("people/new/", people_views.person_create, name="person_create"),
    path("people/<int:pk>/", people_views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people_views.person_edit, name="person_edit"),
    path("people/<int:pk>/archive/", people_views.person_archive, name="person_archive"),
    path("people/<int:pk>/roles/new/", people_views.role_grant, name="role_grant"),
    path("roles/<int:pk>/end/", people_views.role_end, name="role_end"),
    path("roles/<int:pk>/confirm/", people_views.role_confirm, name="role_confirm"),
    path("units/", people_views.unit_list, name="unit_list"),
    path("account/", people_views.account, name="account"),
    path("account/tokens/<int:pk>/revoke/", people_views.token_revoke, name="token_revoke"),
    path("audit/", core_views.audit_log, name="audit_log"),
    path("targets/", include("zhili.targets.urls")),
    path("ledgers/", include("zhili.ledgers.urls")),
    path("cases/", include("zhili.cases.urls")),
    path("public/", include("zhili.cases.public_urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("zhili.cases.open311_urls")),
]
