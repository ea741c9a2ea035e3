"""Running the app: the request log, the request size limit, JSON log lines and ``/gezond/``.

Nothing here reads or writes pupil data. The request log names the user by id and the
path without its query string (a search term may be a name); ids in paths are numbers
(``tests/test_privacy_urls.py``).
"""

import json
import logging
import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

request_log = logging.getLogger("pestprotocol.request")
health_log = logging.getLogger("pestprotocol.health")
operations_log = logging.getLogger("pestprotocol.operations")

# LogRecord attributes that are not extra fields given to the logger.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _request_id(request) -> str:
    """nginx's ``X-Request-ID`` (one id through both logs) or a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if given and len(given) <= 64 and given.replace("-", "").isalnum():
        return given
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """One line per request: method, path (no query string), status, milliseconds, user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _request_id(request)
        start = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "request_id": request.request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "ms": round((time.monotonic() - start) * 1000, 1),
                    "user_id": user_id,
                },
            )


class RequestSizeLimitMiddleware:
    """413 for a body larger than ``MAX_REQUEST_BYTES``, before anything reads it.

    Django's own limits count form fields, not uploaded files; nginx refuses earlier with
    the same limit, this holds when the app is reached another way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            request_log.warning(
                "request body too large",
                extra={"path": request.path, "content_length": length},
            )
            return HttpResponse(
                _("Dit bestand of formulier is te groot (meer dan %(mb)d MB).")
                % {"mb": settings.MAX_REQUEST_BYTES // (1024 * 1024)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def refresh_query_statistics() -> None:
    """``ANALYZE`` the database: fresh statistics let the query planner pick the selective
    indexes (open planned talks, cases per school and stap) as the tables grow. PostgreSQL
    also does this by itself (autovacuum); SQLite never does. Run daily
    (``manage.py enqueue_daily``)."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    operations_log.info(
        "query statistics refreshed",
        extra={"seconds": round(time.monotonic() - started, 3), "vendor": connection.vendor},
    )


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 gave something else")


def check_storage() -> None:
    """Write, read back and remove a small file in the media store."""
    name = default_storage.save(f"health/{uuid.uuid4().hex}", ContentFile(b"ok"))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != b"ok":
                raise RuntimeError("the file read back differs")
    finally:
        default_storage.delete(name)


CHECKS = {"database": check_database, "storage": check_storage}


@never_cache
@require_safe
def health(request):
    """``/gezond/``: 200 when the database and the file store answer, 503 otherwise.

    For a load balancer or monitoring; open to everyone, shows no data but "ok"/"error"."""
    results, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception:  # noqa: BLE001 - any failure means unhealthy; logged with its trace
            health_log.exception("health check failed: %s", name)
            results[name] = "error"
            healthy = False
    results["status"] = "ok" if healthy else "error"
    return JsonResponse(results, status=200 if healthy else 503)
