"""Project middleware."""

from django.middleware.locale import LocaleMiddleware


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Dutch unless the user picked another language with the switch.

    Staff at a Dutch school often run browsers set to English; the product must
    still open in Dutch. Only the language cookie set by the switch counts, not
    the browser's Accept-Language header.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
