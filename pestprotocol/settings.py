"""Settings for the pestprotocol project, read from the environment.

With no variables set the app runs for development on a SQLite file in the
project folder. Production (``DJANGO_DEBUG=0``) refuses to start without a real
secret key. Every variable is listed in the README.
"""

import datetime
import os
import warnings
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

DEVELOPMENT_SECRET_KEY = "development-only-not-for-production-use"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or DEVELOPMENT_SECRET_KEY
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value when DJANGO_DEBUG is off."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "pestprotocol.apps.ApplicationAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Django's widget templates, for FORM_RENDERER below.
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "schools",
    "cases",
    "noblame",
    "plans",
    "dossier",
    "reports",
    "auditlog",
    "audit",
    "axes",
    "csp",
    "demo",
    # Accounts: invitations, password reset, two-factor login, sessions (issue 14).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Keeps the idle timeout going, writing the session at most once a minute.
    "accounts.middleware.SessionRefreshMiddleware",
    "pestprotocol.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages for a logged-in user hold pupil data: never stored by a browser or proxy.
    "pestprotocol.middleware.NoStoreMiddleware",
    # Records who made each change (django-auditlog); after authentication.
    "pestprotocol.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Second factor (django-otp) and session limits; before any page is served.
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLimitMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    # In development a missing page is the Dutch 404 page too, except for a superuser.
    "pestprotocol.middleware.FriendlyNotFoundMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pestprotocol.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # ``short_date`` ("30 nov. 2026") in every template without a load.
            "builtins": ["cases.templatetags.dutch_dates"],
        },
    },
]

# Widgets render through TEMPLATES, so templates/django/forms/ can adjust one widget for
# every form: an empty choice reads "Kies…" instead of Django's "---------".
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "pestprotocol.wsgi.application"

# Production keeps connections open for a minute (one per gunicorn worker) and checks a
# kept connection before a request uses it, so a restarted PostgreSQL costs no error page.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "") or (0 if DEBUG else 60)),
        conn_health_checks=True,
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes checks every login attempt before Django's own backend does.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (accounts/sso.py); answers only when DJANGO_SSO_PROVIDER is set.
    "accounts.sso.StaffOIDCBackend",
]

# Password guessing: five failures lock that username from that address for 15 minutes.
# Locking the combination means nobody can lock a colleague out from elsewhere.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
AXES_CLIENT_IP_CALLABLE = "pestprotocol.middleware.client_ip"

# A session ends after this many minutes without a request, at logout and when the
# browser closes. The expiry moves on with each request, but the session is written at
# most once a minute (``accounts.middleware.SessionRefreshMiddleware``), not on every one.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Dutch first: the product is for Dutch primary schools. English is available.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("Engels"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", "") or BASE_DIR / "staticfiles")

# Uploaded files hold pupil data: they live outside any public folder and are
# served only through views that check who is asking (no MEDIA_URL route).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "") or BASE_DIR / "media")
MEDIA_URL = "/media/"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "pestprotocol@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Base address used in e-mails (links back to the app).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Years after a pupil left before `manage.py purge_expired` removes their case data.
RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "") or 2)

# Change history (django-auditlog, registered in audit/apps.py). The remote address is
# kept with each change; objects are named by model and id (audit/tracking.py).
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Reverse proxies in front of the app that add X-Forwarded-For (0: none); used for the
# address in change history, access log and login lockout (pestprotocol.middleware).
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)

# HTTPS. Behind a proxy that ends TLS, set DJANGO_SECURE_PROXY_SSL_HEADER (for example
# "HTTP_X_FORWARDED_PROTO,https") so Django can tell an HTTPS request; the redirect can
# then stay on, or be left to the proxy with DJANGO_SECURE_SSL_REDIRECT=0.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
_proxy_ssl_header = env_list("DJANGO_SECURE_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured(
            "DJANGO_SECURE_PROXY_SSL_HEADER takes a header and a value, e.g. "
            '"HTTP_X_FORWARDED_PROTO,https".'
        )
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "") or (0 if DEBUG else 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
# Asking browsers to preload HTTPS for the whole domain is the domain owner's decision
# (hard to undo), so it is off by default and its deployment-check warning is silenced.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): only the project's own scripts and styles, no
# inline code; images may be data: URLs (drawn signatures).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools report every step of a PDF at INFO.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}


# --- Production operation (issue 13): static files, media storage, background tasks,
# request limits and logging. Kept in one block; the variables are in the README. -----------

# taskworker before django_tasks_db: its db_worker (with a heartbeat) is the one that runs.
INSTALLED_APPS += ["django_tasks", "taskworker", "django_tasks_db", "backups"]
# One line per request (user id, never a name), then the size limit, then whitenoise for
# the static files, right after SecurityMiddleware as whitenoise asks.
MIDDLEWARE.insert(0, "pestprotocol.operations.RequestLogMiddleware")
MIDDLEWARE.insert(1, "pestprotocol.operations.RequestSizeLimitMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)

# Static files: in production compressed (gzip, brotli) with the content hash in the name,
# served by whitenoise with a year's cache (needs `manage.py collectstatic`).
# Media (signatures, scans, PDFs): through Django's storage API, a local folder by default,
# an S3-compatible object store with MEDIA_STORAGE=s3 (django-storages with boto3).
_STATIC_BACKEND = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)


def media_storage(environ) -> dict:
    """The media store from the environment: MEDIA_STORAGE=local (default) or s3."""
    kind = environ.get("MEDIA_STORAGE", "") or "local"
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured('MEDIA_STORAGE is "local" (default) or "s3".')
    options = {
        "bucket_name": environ.get("S3_BUCKET", ""),
        "endpoint_url": environ.get("S3_ENDPOINT_URL") or None,
        "region_name": environ.get("S3_REGION") or None,
        "access_key": environ.get("S3_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("S3_SECRET_ACCESS_KEY") or None,
        "location": environ.get("S3_PREFIX", ""),
        # Private objects, never overwritten, fetched by the app (not by the browser).
        "default_acl": "private",
        "file_overwrite": False,
        "querystring_auth": True,
    }
    if not options["bucket_name"]:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET.")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "") or "local"
_MEDIA = media_storage(os.environ)
STORAGES = {"default": _MEDIA, "staticfiles": {"BACKEND": _STATIC_BACKEND}}
WHITENOISE_MAX_AGE = 365 * 24 * 3600  # hashed names change with the content
if DEBUG:  # development serves from the source folders; no collectstatic folder needed
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

# Background work (django-tasks, Django's task API): e-mails, the plan PDF, the schedule.
# Production stores tasks in the database (`manage.py db_worker` runs them); development
# and the tests run them at once in the process. TASKS_BACKEND=database|immediate.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "") or ("immediate" if DEBUG else "database")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured('TASKS_BACKEND is "database" or "immediate".')
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
# How often a failed e-mail or PDF task is tried in all, and the first wait between tries
# (doubling each time).
TASK_ATTEMPTS = int(os.environ.get("TASK_ATTEMPTS", "") or 5)
TASK_RETRY_SECONDS = int(os.environ.get("TASK_RETRY_SECONDS", "") or 60)
# A running worker renews its heartbeat every TASK_WORKER_BEAT_SECONDS; a task whose worker
# has not been seen for TASK_WORKER_LOST_SECONDS goes back in the queue (reclaim_tasks).
TASK_WORKER_BEAT_SECONDS = float(os.environ.get("TASK_WORKER_BEAT_SECONDS", "") or 15)
TASK_WORKER_LOST_SECONDS = float(os.environ.get("TASK_WORKER_LOST_SECONDS", "") or 120)

# E-mail to files (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "") or None

# Requests: the largest body accepted (a 10 MB scan plus the form), refused with 413 before
# the view reads it. nginx has the same limit (deploy/nginx/pestprotocol.conf).
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_MB", "") or 12) * 1024 * 1024

# Logs: one JSON object per line in production (text in development) on stderr; the request
# log names the user by id and the path without its query string, never a pupil.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "") or ("text" if DEBUG else "json")
LOGGING["formatters"] = {
    "json": {"()": "pestprotocol.operations.JsonFormatter"},
    "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
}
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT

# --- Accounts (issue 14): two-factor login, invitations, password reset, sessions ---------
# Roles that must sign in with a second factor live in accounts/policy.py. The requirement
# is always on in production; with DJANGO_DEBUG on it is off unless DJANGO_REQUIRE_2FA
# turns it on, so the demo users log in with a password alone (the login page says so).
ACCOUNTS_REQUIRE_2FA = not DEBUG or env_bool("DJANGO_REQUIRE_2FA", False)
# Name shown in the authenticator app beside the username.
OTP_TOTP_ISSUER = os.environ.get("DJANGO_OTP_ISSUER", "") or "Pestprotocol"
# An invitation link works once, for this many hours.
ACCOUNTS_INVITATION_HOURS = int(os.environ.get("DJANGO_INVITATION_HOURS", "") or 72)
# A session ends this many hours after logging in, however active (the idle timeout
# of DJANGO_SESSION_MINUTES applies as well).
ACCOUNTS_SESSION_MAX_HOURS = int(os.environ.get("DJANGO_SESSION_MAX_HOURS", "") or 12)
# Password reset requests per hour, per e-mail address and per client address.
ACCOUNTS_RESET_PER_ADDRESS = int(os.environ.get("DJANGO_RESET_PER_ADDRESS", "") or 3)
ACCOUNTS_RESET_PER_IP = int(os.environ.get("DJANGO_RESET_PER_IP", "") or 10)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # a reset link works for two hours

# Single sign-on (OpenID Connect, mozilla-django-oidc), off unless DJANGO_SSO_PROVIDER is
# "entra" (Microsoft Entra ID; DJANGO_SSO_TENANT), "google" (Google Workspace) or "oidc"
# (any provider; DJANGO_SSO_AUTHORIZATION_URL, _TOKEN_URL, _USERINFO_URL, _JWKS_URL).
# A school turns it on for its staff; it signs in existing or invited accounts only.
SSO_PROVIDER = os.environ.get("DJANGO_SSO_PROVIDER", "").strip().lower()
SSO_CLIENT_ID = os.environ.get("DJANGO_SSO_CLIENT_ID", "")
SSO_CLIENT_SECRET = os.environ.get("DJANGO_SSO_CLIENT_SECRET", "")
SSO_TENANT = os.environ.get("DJANGO_SSO_TENANT", "")
SSO_AUTHORIZATION_URL = os.environ.get("DJANGO_SSO_AUTHORIZATION_URL", "")
SSO_TOKEN_URL = os.environ.get("DJANGO_SSO_TOKEN_URL", "")
SSO_USERINFO_URL = os.environ.get("DJANGO_SSO_USERINFO_URL", "")
SSO_JWKS_URL = os.environ.get("DJANGO_SSO_JWKS_URL", "")
# Only addresses in these domains are matched (empty: any), e.g. "regenboog.nl".
SSO_ALLOWED_DOMAINS = env_list("DJANGO_SSO_ALLOWED_DOMAINS", "")
