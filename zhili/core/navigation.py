"""The main navigation. Areas that later issues fill are listed already, marked as not yet available."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (key, label, url name or None while the area is still to come, who sees it)
AREAS = [
    ("home", _("首页"), "home", "all"),
    ("targets", _("目标任务"), "targets:board", "all"),
    ("ledgers", _("台账"), "ledgers:list", "all"),
    ("cases", _("网格事件"), "cases:list", "all"),
    ("projects", _("项目与税源"), "projects:home", "readers"),
    ("works", _("公共工程"), "works:list", "readers"),
    ("bulletins", _("通报"), "bulletins:archive", "readers"),
    ("reports", _("上报报表"), "reports:catalogue", "readers"),
    ("households", _("民生户籍"), "households:list", "readers"),
    ("party", _("党建"), "party:overview", "readers"),
    ("regions", _("区划网格"), "region_index", "all"),
    ("people", _("人员角色"), "person_list", "people"),
    ("audit", _("审计日志"), "audit_log", "audit"),
    ("jobs", _("后台任务"), "job_runs", "admin"),
]

# 三员分立: the system administrator (people, jobs), the security administrator (people), the audit administrator
# (the log) each see their own links (zhili/people/scope.py: is_admin, opens_people, reads_audit)
_ADMINISTRATION = {"admin": "is_admin", "people": "opens_people", "audit": "reads_audit"}


def nav_items(request):
    scope = getattr(request, "scope", None)
    items = []
    for key, label, url_name, who in AREAS:
        if who in _ADMINISTRATION and not (scope and getattr(scope, _ADMINISTRATION[who])):
            continue
        if who == "readers" and not (scope and (scope.is_superuser or scope.read_paths)):
            continue  # pages of a subdistrict or village: not for someone who reads none (a tip officer only)
        if (
            who == "all"
            and key != "home"
            and not (scope and (scope.is_superuser or scope.read_paths or scope.tip_paths))
        ):
            continue  # a security or audit administrator reads no region's records: their own links only
        url = reverse(url_name) if url_name else None
        active = bool(url) and (request.path == url or (url != "/" and request.path.startswith(url)))
        items.append({"key": key, "label": label, "url": url, "active": active})
    return items
