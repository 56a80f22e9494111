from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the person chose another language (the language cookie set by the switch).

    The browser's Accept-Language is not consulted: a township's computers often run English-language
    browsers, and the officials still expect Chinese.
    """

    def process_request(self, request):
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if lang not in dict(settings.LANGUAGES):
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = translation.get_language()


class ErrorMiddleware:
    """A typed refusal (zhili.core.errors) that escapes a page's view becomes the refusal page with its status:
    a view that has nothing to re-render need not catch what its action raises. The API maps the same types
    itself (zhili.api.api), so /api/ is left alone here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import ValidationError

        from zhili.core.errors import refuse

        if isinstance(exception, ValidationError) and not request.path.startswith("/api/"):
            return refuse(request, exception)
        return None
