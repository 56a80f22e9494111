from zhili.core.navigation import nav_items


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": []}
    section = request.resolver_match.url_name if getattr(request, "resolver_match", None) else ""
    return {"nav_items": nav_items(request), "nav_section": section}
