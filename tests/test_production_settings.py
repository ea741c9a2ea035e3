"""Production settings: the deployment check passes with the documented variables."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "tq3-Vx8_Lm0pRz7wK2hYc5nB9dF4gJ6sA1eU0iO7vN3bM8xQ2rT5yW9kH4jP6",
    "DJANGO_ALLOWED_HOSTS": "pestprotocol.school.example.nl",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def setting(name, **env):
    result = manage(
        "shell", "-c", f"from django.conf import settings; print(repr(settings.{name}))", **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_deploy_check_passes_with_the_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_hsts():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_HSTS_SECONDS="0")

    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_redirects_to_https_and_sends_hsts_by_default():
    assert setting("SECURE_SSL_REDIRECT") == "True"
    assert int(setting("SECURE_HSTS_SECONDS")) >= 31536000
    assert setting("SESSION_COOKIE_SECURE") == "True"
    assert setting("CSRF_COOKIE_SECURE") == "True"


def test_behind_a_tls_proxy_the_redirect_can_be_left_to_the_proxy():
    env = {
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    }

    assert setting("SECURE_SSL_REDIRECT", **env) == "False"
    assert setting("SECURE_PROXY_SSL_HEADER", **env) == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_a_malformed_proxy_header_refuses_to_start():
    result = manage("check", DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO")

    assert result.returncode != 0
    assert "DJANGO_SECURE_PROXY_SSL_HEADER" in result.stderr


def test_development_needs_no_https():
    env = {"DJANGO_DEBUG": "1"}

    assert setting("SECURE_SSL_REDIRECT", **env) == "False"
    assert setting("SECURE_HSTS_SECONDS", **env) == "0"


def test_session_length_comes_from_the_environment():
    assert setting("SESSION_COOKIE_AGE", DJANGO_SESSION_MINUTES="20") == "1200"
