from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from zhili.people.scope import scope_for


class ScopeMiddleware:
    """Attach request.scope: what the signed-in person may see and change (built once per request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(lambda: scope_for(request.user))
        return self.get_response(request)


class ZhiliLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in person unless marked @login_not_required.

    The API authenticates itself (session or personal token, zhili.api.auth) and answers 401 in JSON
    rather than redirecting, so it is exempt here.
    """

    exempt_prefixes = ("/api/", "/static/")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.exempt_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class PasswordChangeRequiredMiddleware:
    """A person signed in with a one-time initial password (a roster import made their account), or with one older
    than ZHILI_PASSWORD_MAX_AGE_DAYS, sees only 我的账号, where they choose a new one, and can sign out; every other
    page sends them there until they have."""

    exempt_prefixes = ("/static/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and (getattr(user, "must_change_password", False) or user.password_expired):
            allowed = (reverse("account"), reverse("logout"))
            if request.path not in allowed and not request.path.startswith(self.exempt_prefixes):
                return redirect(f"{reverse('account')}?first=1")
        return self.get_response(request)
