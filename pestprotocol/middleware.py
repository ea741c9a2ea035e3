"""Project middleware."""

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from audit.actor import actor_context


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Dutch unless the user picked another language with the switch.

    Staff at a Dutch school often run browsers set to English; the product must
    still open in Dutch. Only the language cookie set by the switch counts, not
    the browser's Accept-Language header.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


def client_ip(request) -> str | None:
    """The visitor's address, for the login lockout and the access log.

    Behind ``DJANGO_TRUSTED_PROXY_COUNT`` reverse proxies the address comes from
    ``X-Forwarded-For``, counted from the right (the part the proxies added), so a
    visitor cannot choose it; with no proxy it is ``REMOTE_ADDR``.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or None


class AuditActorMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, taking the address the way the rest of the app does
    (auditlog alone trusts the left-most ``X-Forwarded-For``, which a visitor can set)."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)

    def __call__(self, request):
        with actor_context():
            return super().__call__(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every page for a logged-in user and on the
    login page: they may show pupil data, which no browser cache or proxy should keep."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.static_prefix):
            return response
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if (user is not None and user.is_authenticated) or (match and match.url_name == "login"):
            patch_cache_control(response, no_store=True, private=True)
        return response

    @property
    def static_prefix(self) -> str:
        return "/" + settings.STATIC_URL.lstrip("/")


class FriendlyNotFoundMiddleware:
    """With ``DEBUG`` on (development, the demo) Django answers a missing page with its
    English debug page listing every URL. Only a superuser (who debugs) sees that; everyone
    else gets the product's own Dutch 404 page, as in production."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not getattr(getattr(request, "user", None), "is_superuser", False)
        ):
            return render(request, "404.html", status=404)
        return response
