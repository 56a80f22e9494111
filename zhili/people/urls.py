from django.urls import path

from zhili.people import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/archive/", views.person_archive, name="person_archive"),
    path("people/<int:pk>/roles/new/", views.role_grant, name="role_grant"),
    path("roles/<int:pk>/end/", views.role_end, name="role_end"),
    path("roles/<int:pk>/confirm/", views.role_confirm, name="role_confirm"),
    path("units/", views.unit_list, name="unit_list"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
    path("people/<int:pk>/unlock/", views.person_unlock, name="person_unlock"),
    path("jobs/", views.job_runs, name="job_runs"),
    path("jobs/<int:pk>/retry/", views.job_run_retry, name="job_run_retry"),
    path("account/", views.account, name="account"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    # the chain's page sits with its models here, under the grid's address in the region browser
    path("regions/<str:code>/chain/", views.chain_edit, name="chain_edit"),
]
